using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class PlanPurityTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";

    [Fact]
    public void Plan_does_not_change_the_ledger()
    {
        var harness = Populated();
        var before = CollectionCodec.EncodeSnapshot(harness.Ledger);

        harness.Ledger.Plan(BusyRequest(cursor: 999), harness.Now);

        Assert.Equal(before, CollectionCodec.EncodeSnapshot(harness.Ledger));
        Assert.Equal(0, harness.Ledger.CurrentEpoch);
    }

    [Fact]
    public void Planning_again_after_a_discarded_plan_gives_the_same_plan()
    {
        var harness = Populated();

        var first = harness.Ledger.Plan(BusyRequest(cursor: 999), harness.Now);
        var second = harness.Ledger.Plan(BusyRequest(cursor: 999), harness.Now);

        Assert.Equal(CollectionCodec.EncodeChange(first.Change!), CollectionCodec.EncodeChange(second.Change!));
        Assert.Equal(first.Results, second.Results);
        Assert.Equal(first.Resync, second.Resync);
    }

    [Fact]
    public void Planned_maintenance_changes_nothing_until_applied()
    {
        var harness = Populated();
        var before = CollectionCodec.EncodeSnapshot(harness.Ledger);

        Assert.NotNull(harness.Ledger.PlanMaintenance(LedgerHarness.T0.AddDays(365)));

        Assert.Equal(before, CollectionCodec.EncodeSnapshot(harness.Ledger));
    }

    [Fact]
    public void A_plan_lists_each_written_item_once_in_version_order_with_the_head_after_it()
    {
        var harness = Populated();

        var change = harness.Ledger.Plan(BusyRequest(cursor: null), harness.Now).Change!;

        Assert.Equal(["new", "b", "a"], change.Items.Select(i => i.ItemId));
        Assert.Equal([7L, 8L, 9L], change.Items.Select(i => i.Version));
        Assert.Equal(9, change.HeadVersion);
        Assert.Equal(harness.Ledger.JournalPosition + 1, change.Position);
    }

    [Fact]
    public void Apply_refuses_a_change_that_does_not_follow_the_ledger()
    {
        var harness = Populated();
        var change = harness.Ledger.Plan(BusyRequest(cursor: null), harness.Now).Change!;
        harness.Ledger.Apply(change);

        Assert.Throws<InvalidOperationException>(() => harness.Ledger.Apply(change));
    }

    private static LedgerHarness Populated()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Delete(3, "b"), Put(4, "c"));
        harness.Push(Laptop, Put(1, "a", baseVersion: 0));
        harness.Push(Phone, Put(5, "b", baseVersion: 3));
        return harness;
    }

    private static SyncCollectionRequest BusyRequest(long? cursor) => new()
    {
        DeviceId = Laptop,
        Cursor = cursor,
        Mutations =
        [
            Put(2, "a", """{"n":1}"""),
            Put(3, "c", baseVersion: 1),
            Put(3, "d"),
            Restore(4, "new", 77),
            Delete(5, "b", baseVersion: 5),
            Put(6, "a", """{"n":2}"""),
        ],
    };
}
