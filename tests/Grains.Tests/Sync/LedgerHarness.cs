using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>
/// Drives a ledger the way the collection grain does (plan, make durable, apply, complete) and keeps the journal it
/// wrote, encoded as storage would hold it, so tests can replay it.
/// </summary>
internal sealed class LedgerHarness
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public LedgerHarness(SyncPolicy? policy = null, string collection = "contacts")
    {
        Policy = policy ?? new SyncPolicy();
        Ledger = new CollectionLedger(collection, Policy);
    }

    public SyncPolicy Policy { get; }

    public CollectionLedger Ledger { get; }

    public List<byte[]> Journal { get; } = [];

    public DateTimeOffset Now { get; set; } = T0;

    public SyncCollectionResult Sync(string device, long? cursor, params Mutation[] mutations) =>
        SyncWithLimit(device, cursor, SyncLimits.DefaultChangesLimit, mutations);

    public SyncCollectionResult SyncWithLimit(string device, long? cursor, int limit, params Mutation[] mutations) =>
        Sync(new SyncCollectionRequest { DeviceId = device, Cursor = cursor, Limit = limit, Mutations = mutations });

    /// <summary>A sync as the gateway sends it for a device readmitted after storage lost its account (ADR 0008).</summary>
    public SyncCollectionResult SyncReadmitted(string device, long? cursor, params Mutation[] mutations) =>
        Sync(new SyncCollectionRequest { DeviceId = device, Cursor = cursor, Mutations = mutations, DeviceReadmitted = true });

    public SyncCollectionResult Sync(SyncCollectionRequest request)
    {
        var plan = Ledger.Plan(request, Now);
        if (plan.Change is { } change)
        {
            Commit(change);
        }

        return Ledger.Complete(plan, request);
    }

    /// <summary>Pushes mutations from a device that reads from the head, returning only the results.</summary>
    public IReadOnlyList<MutationResult> Push(string device, params Mutation[] mutations) =>
        Sync(device, Ledger.HeadVersion, mutations).Results;

    public MutationResult PushOne(string device, Mutation mutation) => Push(device, mutation)[0];

    /// <summary>Runs maintenance until nothing is left to purge; returns how many changes it committed.</summary>
    public int Maintain(DateTimeOffset now)
    {
        var committed = 0;
        while (Ledger.PlanMaintenance(now) is { } change)
        {
            Commit(change);
            committed++;
        }

        return committed;
    }

    public CollectionLedger Replay()
    {
        var replica = new CollectionLedger(Ledger.Collection, Policy);
        foreach (var entry in Journal)
        {
            replica.Apply(CollectionCodec.DecodeChange(entry));
        }

        return replica;
    }

    /// <summary>Commits a change planned outside <see cref="Sync"/> (a restore), as the grain would.</summary>
    public void Commit(CollectionChange change)
    {
        Journal.Add(CollectionCodec.EncodeChange(change));
        Ledger.Apply(change);
    }
}
