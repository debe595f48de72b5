namespace DeviceSync.Client;

/// <summary>What the device does after a conflict.</summary>
public enum ConflictResolution
{
    /// <summary>Keep the server's copy locally (the default); the device's copy stays in the conflict archive.</summary>
    KeepServer = 0,

    /// <summary>Re-apply the device's change on top of the server's copy, as a new mutation.</summary>
    KeepMine = 1,
}
