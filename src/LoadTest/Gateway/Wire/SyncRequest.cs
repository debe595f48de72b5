namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The body of <c>POST /v1/sync</c>.</summary>
public sealed record SyncRequest(IReadOnlyList<CollectionSync> Collections);
