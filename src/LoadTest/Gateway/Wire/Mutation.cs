namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One mutation of a collection sync: <c>put</c>, <c>delete</c>, or <c>restore</c> (handing data back after a resync).</summary>
public sealed record Mutation
{
    public required long Id { get; init; }
    public required string Op { get; init; }
    public required string ItemId { get; init; }
    public long? BaseVersion { get; init; }

    /// <summary>For a <c>restore</c>: the version the device last saw the item at (protocol rule 7).</summary>
    public long? Version { get; init; }

    /// <summary>The item's JSON object (<see cref="ItemData"/> or <see cref="TaggedItemData"/>), serialized by its runtime type; null for a delete.</summary>
    public object? Data { get; init; }
}
