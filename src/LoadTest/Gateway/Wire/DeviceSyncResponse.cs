namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The <c>200</c> body of <c>POST /v1/sync</c> as <c>run</c> reads it (item data bound).</summary>
public sealed record DeviceSyncResponse
{
    public IReadOnlyList<DeviceCollectionResult> Collections { get; init; } = [];
}
