namespace DeviceSync.Contracts.Backups;

/// <summary>What a restore from backup did with one stream.</summary>
[GenerateSerializer, Alias("DeviceSync.RestoreStatus")]
public enum RestoreStatus
{
    None = 0,

    /// <summary>The backup's state at the point was written back through the owning grain.</summary>
    Restored = 1,

    /// <summary>The backup holds nothing of it at or before the point; nothing changed.</summary>
    NotInBackup = 2,

    /// <summary>This silo has no backup store configured; nothing changed.</summary>
    BackupsOff = 3,

    /// <summary>The backup's history is damaged at the point (an entry missing or not matching its hash); nothing changed.</summary>
    Damaged = 4,
}
