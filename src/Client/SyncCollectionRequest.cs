namespace DeviceSync.Client;

/// <summary>One collection of a <c>/v1/sync</c> request.</summary>
public sealed record SyncCollectionRequest(string Name, string? Cursor, IReadOnlyList<SyncMutation> Mutations, int? Limit = null, bool ConfirmMassDelete = false);
