namespace DeviceSync.Client;

/// <summary>An item as the server holds it. <see cref="Data"/> is the exact JSON text stored; null for a tombstone.
/// <see cref="HandedBackVersion"/> is set when a device's <c>restore</c> wrote it: the version that device held it at, which
/// says how old the copy is (its <see cref="Version"/> only says when it came back).</summary>
public sealed record SyncItem(string ItemId, long Version, bool Deleted, string? Data, DateTimeOffset? ModifiedAt, string? ModifiedBy, long? HandedBackVersion = null);
