namespace DeviceSync.Contracts.Sync;

/// <summary>
/// A collection at a glance, for comparing copies of it (replicas, backups, devices) without reading it: the digest
/// over its (itemId, version) pairs (algorithm in docs/protocol.md, "Digests"), its counts and its head.
/// </summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.CollectionSummary")]
public sealed record CollectionSummary
{
    [Id(0)] public string Digest { get; init; } = "";

    /// <summary>Items and tombstones.</summary>
    [Id(1)] public int Items { get; init; }

    [Id(2)] public int LiveItems { get; init; }

    [Id(3)] public long HeadVersion { get; init; }

    [Id(4)] public long Epoch { get; init; }
}
