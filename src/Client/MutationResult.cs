namespace DeviceSync.Client;

/// <summary>The server's answer to one mutation. <see cref="Current"/> is set for a conflict (null when the server has no record).</summary>
public sealed record MutationResult(long Id, MutationStatus Status, long Version, SyncItem? Current);
