namespace DeviceSync.Contracts.Blobs;

/// <summary>What one garbage-collection pass over an account's blob index did (ADR 0009).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.BlobCollectionReport")]
public sealed record BlobCollectionReport
{
    /// <summary>False when <c>Blobs:Gc:Enabled</c> is off on the silo: the pass changed nothing.</summary>
    [Id(0)] public bool Enabled { get; init; }

    /// <summary>Blobs in the index before the pass.</summary>
    [Id(1)] public int Blobs { get; init; }

    /// <summary>Blobs found unreferenced for the first time: their grace period starts now.</summary>
    [Id(2)] public int Marked { get; init; }

    /// <summary>Unreferenced blobs still inside their grace period after the pass.</summary>
    [Id(3)] public int AwaitingGrace { get; init; }

    /// <summary>Blobs dropped from the index by this pass.</summary>
    [Id(4)] public int Collected { get; init; }

    [Id(5)] public long CollectedBytes { get; init; }

    /// <summary>Collected blobs whose bytes some replica could not yet delete (retried at the next pass).</summary>
    [Id(6)] public int PendingDeletes { get; init; }

    /// <summary>Collected blobs whose bytes this pass removed from every replica (this pass's and earlier passes' collections).</summary>
    [Id(7)] public int BytesDeleted { get; init; }
}
