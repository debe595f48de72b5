namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The <c>200</c> body of <c>POST /v1/sync</c>.</summary>
public sealed record SyncResponse
{
    public IReadOnlyList<CollectionResult> Collections { get; init; } = [];
}
