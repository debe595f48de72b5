namespace DeviceSync.Grains.Sync;

/// <summary>How long a collection keeps what devices may still need (PROTOCOL.md rules 4 and 5).</summary>
public sealed class SyncPolicy
{
    public const string SectionName = "Sync";

    /// <summary>PROTOCOL.md promises at least 90 days; a cursor older than the newest purged tombstone must resync.</summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>PROTOCOL.md promises at least 30 days in the conflict archive.</summary>
    public TimeSpan ConflictRetention { get; set; } = TimeSpan.FromDays(30);
}
