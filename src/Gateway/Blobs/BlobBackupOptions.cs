namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// The backup store, as the silos read it (section <c>Backup</c>; only these two keys): blobs are copied into its
/// container <c>{prefix}-backup-blobs</c> after their upload. Empty: blobs are not backed up.
/// </summary>
public sealed class BlobBackupOptions
{
    public const string SectionName = "Backup";

    public string ConnectionString { get; set; } = "";

    public string TablePrefix { get; set; } = "devicesync";

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
