namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>A mutation result with the conflict's <c>current</c> item bound (what a device needs to move on).</summary>
public sealed record DeviceMutationResult
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public long? Version { get; init; }
    public ItemState? Current { get; init; }
}
