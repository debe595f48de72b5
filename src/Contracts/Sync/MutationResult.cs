namespace DeviceSync.Contracts.Sync;

[GenerateSerializer, Immutable, Alias("DeviceSync.MutationResult")]
public sealed record MutationResult
{
    [Id(0)] public long Id { get; init; }

    [Id(1)] public MutationStatus Status { get; init; }

    /// <summary>The new version (applied) or the item's current version (duplicate; 0 when it has no record).</summary>
    [Id(2)] public long? Version { get; init; }

    /// <summary>For a conflict: the server's item, or null when it has no record.</summary>
    [Id(3)] public ItemState? Current { get; init; }
}
