namespace DeviceSync.Client;

/// <summary>One collection of a <c>/v1/sync</c> answer.</summary>
public sealed record SyncCollectionResponse(
    string Name,
    IReadOnlyList<MutationResult> Results,
    IReadOnlyList<SyncItem> Changes,
    string? Cursor,
    bool HasMore,
    ResyncInfo? Resync,
    MassDeleteHold? Refused = null);
