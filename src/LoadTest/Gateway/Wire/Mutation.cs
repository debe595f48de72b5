namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One mutation of a collection sync; the harness sends <c>put</c>s.</summary>
public sealed record Mutation
{
    public required long Id { get; init; }
    public required string Op { get; init; }
    public required string ItemId { get; init; }
    public long? BaseVersion { get; init; }
    public ItemData? Data { get; init; }
}
