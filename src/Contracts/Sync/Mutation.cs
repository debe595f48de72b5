namespace DeviceSync.Contracts.Sync;

/// <summary>One mutation of one item, as validated by the gateway.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.Mutation")]
public sealed record Mutation
{
    /// <summary>The device's mutation id: positive, increasing per device (gaps allowed).</summary>
    [Id(0)] public long Id { get; init; }

    [Id(1)] public MutationOp Op { get; init; }

    [Id(2)] public string ItemId { get; init; } = "";

    /// <summary>The version the edit was based on; null for an unconditional (last writer wins) write.</summary>
    [Id(3)] public long? BaseVersion { get; init; }

    /// <summary>For <see cref="MutationOp.Restore"/>: the item's version as the device last saw it.</summary>
    [Id(4)] public long Version { get; init; }

    /// <summary>The item's data as raw JSON object text; null for deletes.</summary>
    [Id(5)] public string? Data { get; init; }
}
