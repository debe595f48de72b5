namespace DeviceSync.Contracts.Blobs;

/// <summary>
/// Which of an account's blobs its items refer to, computed now, with the garbage collector's state for the account
/// (docs/adr/0009-blob-garbage-collection.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.BlobReferenceReport")]
public sealed record BlobReferenceReport
{
    /// <summary>Blobs in the account's index.</summary>
    [Id(0)] public int Blobs { get; init; }

    /// <summary>Of those, how many some live item refers to.</summary>
    [Id(1)] public int Referenced { get; init; }

    /// <summary>The account's blobs no live item refers to, oldest upload first.</summary>
    [Id(2)] public IReadOnlyList<BlobRecord> Unreferenced { get; init; } = [];

    /// <summary>Collections whose items were read.</summary>
    [Id(3)] public int CollectionsScanned { get; init; }

    /// <summary>Hashes items refer to that the account never uploaded (a device that has not uploaded yet, or lost bytes).</summary>
    [Id(4)] public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>Blobs a scan found unreferenced that wait out their grace period (collected after it, unless referenced or uploaded again).</summary>
    [Id(5)] public int AwaitingGrace { get; init; }

    /// <summary>Collected blobs whose bytes some replica still holds (deletion retried at each pass).</summary>
    [Id(6)] public int PendingDeletes { get; init; }

    /// <summary>Blobs this account has had collected since it began (the index's collection counter).</summary>
    [Id(7)] public long CollectedTotal { get; init; }
}
