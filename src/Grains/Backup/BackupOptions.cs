namespace DeviceSync.Grains.Backup;

/// <summary>The backup store and its policies (section <c>Backup</c>). Backups are off while <see cref="ConnectionString"/> is empty.</summary>
public sealed class BackupOptions
{
    public const string SectionName = "Backup";

    /// <summary>The backup storage account: independent of every journal replica. Empty: no backups.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of the backup table and container (letters and digits, starting with a letter).</summary>
    public string TablePrefix { get; set; } = "devicesync";

    /// <summary>How often the copier ships what was committed since its last pass, in one transaction per stream.</summary>
    public TimeSpan CopyInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Entries a silo holds for the backup at most (the backup store down for long); beyond, they are dropped and
    /// shipped by the reconcile at the stream's next open.</summary>
    public int MaxPendingEntries { get; set; } = 100_000;

    /// <summary>How long one request to the backup store may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often silos read the drill's verification record for the metrics.</summary>
    public TimeSpan VerificationRefresh { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A backup whose last passing drill is older than this is reported unverified (devicesync_backup_verified 0).</summary>
    public TimeSpan MaxUnverifiedAge { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Backup tail reads per second at most of the background catch-up that follows each repair sweep (it compares
    /// every stream the sweep scanned whose live tail moved since its last check with its backup).</summary>
    public double CatchUpReadsPerSecond { get; set; } = 100;

    /// <summary>How long after the sweep's scan the catch-up compares the backup with it: a stream written just before the
    /// scan is still being copied by its writer's silo for a second or two, and is not behind.</summary>
    public TimeSpan CatchUpGrace { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
