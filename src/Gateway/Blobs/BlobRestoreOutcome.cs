namespace DeviceSync.Gateway.Blobs;

/// <summary>What a restore did with one blob's bytes.</summary>
public enum BlobRestoreOutcome
{
    None = 0,

    /// <summary>Some replica already holds it (the sweeper copies it to the others).</summary>
    Present = 1,

    /// <summary>Copied from the backup store to a write quorum of replicas.</summary>
    Restored = 2,

    /// <summary>No replica holds it and neither does the backup store (or backups are off): its items refer to lost bytes.</summary>
    NotInBackup = 3,

    /// <summary>The copy failed (too few replicas took it, or the backup's bytes did not match their hash).</summary>
    Failed = 4,
}
