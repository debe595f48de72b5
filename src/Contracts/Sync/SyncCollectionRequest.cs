namespace DeviceSync.Contracts.Sync;

/// <summary>One collection's part of a <c>/v1/sync</c> request. The collection is the grain's key.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.SyncCollectionRequest")]
public sealed record SyncCollectionRequest
{
    [Id(0)] public string DeviceId { get; init; } = "";

    /// <summary>The device's cursor; null to read from the beginning.</summary>
    [Id(1)] public long? Cursor { get; init; }

    [Id(2)] public int Limit { get; init; } = SyncLimits.DefaultChangesLimit;

    [Id(3)] public IReadOnlyList<Mutation> Mutations { get; init; } = [];

    /// <summary>The device (its user) confirms deletes the mass-delete guard would otherwise hold back.</summary>
    [Id(4)] public bool ConfirmMassDelete { get; init; }

    /// <summary>
    /// The device was readmitted after its account was lost from storage (docs/adr/0008-device-readmission.md): its
    /// cursors may belong to a lost history, so it is served only once it has pulled from null. Added without a version
    /// bump: an older silo ignores it; an older gateway leaves it false.
    /// </summary>
    [Id(5)] public bool DeviceReadmitted { get; init; }

    /// <summary>The history-loss generation the device's account was read under (<see cref="Accounts.DeviceAuthentication"/>); 0 if unknown.</summary>
    [Id(6)] public long HistoryLossGeneration { get; init; }

    /// <summary>
    /// The gateway asks for a no-change lease (docs/adr/0014-no-change-leases.md): if this request changes nothing and
    /// its cursor is the head, the grain may let this holder answer the device's identical syncs for a short time.
    /// The holder's id, not a reference: a field of a type an older silo does not know could fail to deserialize there.
    /// Added without a version bump: an older silo ignores it and grants none; an older gateway leaves it null.
    /// </summary>
    [Id(7)] public GrainId? LeaseHolder { get; init; }
}
