namespace DeviceSync.Client;

/// <summary>One mutation as sent in <c>/v1/sync</c>. <see cref="Data"/> is raw JSON text (an object).</summary>
public sealed record SyncMutation(long Id, MutationOp Op, string ItemId, long? BaseVersion = null, long Version = 0, string? Data = null);
