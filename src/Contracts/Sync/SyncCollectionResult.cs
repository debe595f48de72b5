namespace DeviceSync.Contracts.Sync;

[GenerateSerializer, Immutable, Alias("DeviceSync.SyncCollectionResult")]
public sealed record SyncCollectionResult
{
    [Id(0)] public IReadOnlyList<MutationResult> Results { get; init; } = [];

    [Id(1)] public IReadOnlyList<ItemState> Changes { get; init; } = [];

    /// <summary>Null when <see cref="Resync"/> is set.</summary>
    [Id(2)] public long? Cursor { get; init; }

    [Id(3)] public bool HasMore { get; init; }

    [Id(4)] public ResyncInstruction? Resync { get; init; }

    /// <summary>Set when the mass-delete guard held the collection's mutations back: none was applied, no results.</summary>
    [Id(5)] public MassDeleteRefusal? Refused { get; init; }

    /// <summary>
    /// Non-zero: a no-change lease for <see cref="SyncCollectionRequest.LeaseHolder"/>. Until this many milliseconds after
    /// it sent the request, or until the grain revokes it, the holder may answer this device's syncs of this collection
    /// that carry no mutation and this same cursor with this same answer. 0 (and from an older silo): no lease.
    /// </summary>
    [Id(6)] public int LeaseMilliseconds { get; init; }
}
