namespace DeviceSync.Gateway.Sync;

/// <summary>A validated <c>/v1/sync</c> request: nothing in it breaks a rule of PROTOCOL.md.</summary>
public sealed record SyncRequest(IReadOnlyList<SyncCollectionPart> Collections);
