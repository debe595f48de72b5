namespace DeviceSync.Client;

/// <summary>
/// A device's copy of an item. <see cref="Version"/> is the server version the device last synced for it (the base of
/// its next edit; 0 = never synced). <see cref="Data"/> and <see cref="Deleted"/> are the local state, local edits
/// included (raw JSON text; null for a tombstone).
/// </summary>
public sealed record StoredItem(string ItemId, long Version, bool Deleted, string? Data);
