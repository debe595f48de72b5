namespace DeviceSync.Contracts.Blobs;

/// <summary>
/// Which of an account's blobs its items refer to, computed now: what a garbage collector would start from. Blobs are
/// not collected yet (docs/adr/0007-replicated-blobs.md, "Garbage collection"); this is the reference tracking it needs.
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
}
