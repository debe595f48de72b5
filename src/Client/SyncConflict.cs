namespace DeviceSync.Client;

/// <summary>
/// A mutation of this device lost: <see cref="Mine"/> is the device's change (its data is now in the server's conflict
/// archive), <see cref="Current"/> the server's copy (null when the server has no record of the item).
/// </summary>
public sealed record SyncConflict(string Collection, PendingMutation Mine, SyncItem? Current);
