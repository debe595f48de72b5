namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>A non-null <c>resync</c> of a collection result.</summary>
public sealed record ResyncInfo
{
    public string Reason { get; init; } = "";
    public long SafeVersion { get; init; }
}
