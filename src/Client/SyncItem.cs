namespace DeviceSync.Client;

/// <summary>An item as the server holds it. <see cref="Data"/> is the exact JSON text stored; null for a tombstone.</summary>
public sealed record SyncItem(string ItemId, long Version, bool Deleted, string? Data, DateTimeOffset? ModifiedAt, string? ModifiedBy);
