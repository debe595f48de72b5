using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class MaintenanceTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";
    private static readonly DateTimeOffset Later = LedgerHarness.T0.AddDays(91);

    [Fact]
    public void Maintenance_with_nothing_old_enough_plans_nothing()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));

        Assert.Null(harness.Ledger.PlanMaintenance(LedgerHarness.T0.AddDays(89)));
    }

    [Fact]
    public void Tombstones_older_than_the_retention_are_purged_and_live_items_kept()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Delete(3, "b"));

        harness.Maintain(Later);

        Assert.Equal(1, harness.Ledger.ItemCount);
        Assert.Equal("a", Assert.Single(harness.Sync(Laptop, null).Changes).ItemId);
    }

    [Fact]
    public void Tombstones_within_the_retention_are_kept()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));
        harness.Now = LedgerHarness.T0.AddDays(10);
        harness.Push(Phone, Put(3, "b"), Delete(4, "b"));

        harness.Maintain(Later);

        var held = Assert.Single(harness.Sync(Laptop, null).Changes);
        Assert.Equal(("b", true), (held.ItemId, held.Deleted));
    }

    [Fact]
    public void Tombstone_retention_is_configurable()
    {
        var harness = new LedgerHarness(new SyncPolicy { TombstoneRetention = TimeSpan.FromDays(1) });
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));

        harness.Maintain(LedgerHarness.T0.AddDays(2));

        Assert.Equal(0, harness.Ledger.ItemCount);
    }

    [Fact]
    public void A_cursor_below_the_newest_purged_tombstone_gets_cursor_expired_with_that_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Delete(3, "a"), Put(4, "c"));
        harness.Maintain(Later);

        var response = harness.Sync(Laptop, 2);

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.CursorExpired, SafeVersion = 3 }, response.Resync);
        Assert.Empty(response.Changes);
        Assert.Null(response.Cursor);
        Assert.Equal(3, harness.Ledger.OldestServableVersion);
    }

    [Fact]
    public void A_cursor_at_or_above_the_newest_purged_tombstone_is_still_served()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Delete(3, "a"), Put(4, "c"));
        harness.Maintain(Later);

        var response = harness.Sync(Laptop, 3);

        Assert.Null(response.Resync);
        Assert.Equal("c", Assert.Single(response.Changes).ItemId);
    }

    [Fact]
    public void A_null_cursor_is_served_after_a_purge()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"), Put(3, "b"));
        harness.Maintain(Later);

        var response = harness.Sync(Laptop, null);

        Assert.Null(response.Resync);
        Assert.Equal("b", Assert.Single(response.Changes).ItemId);
    }

    [Fact]
    public void Cursor_expired_applies_to_cursors_of_older_epochs_too()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Delete(3, "a"));
        harness.Sync(Phone, 9);
        harness.Maintain(Later);

        var response = harness.Sync(Laptop, 1);

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.CursorExpired, SafeVersion = 3 }, response.Resync);
        Assert.Equal(1, harness.Ledger.CurrentEpoch);
    }

    [Fact]
    public void Conflicts_older_than_the_retention_leave_the_archive_and_sequences_continue()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));
        harness.Push(Laptop, Put(1, "a", baseVersion: 0), Put(2, "a", baseVersion: 0));
        harness.Now = LedgerHarness.T0.AddDays(20);
        harness.Push(Laptop, Put(3, "a", baseVersion: 0));

        harness.Maintain(LedgerHarness.T0.AddDays(31));
        harness.Push(Laptop, Put(4, "a", baseVersion: 0));

        Assert.Equal([3L, 4L], harness.Ledger.ReadConflicts(null, 10).Conflicts.Select(c => c.Sequence));
        Assert.Equal(4, harness.Ledger.ReadConflicts(3, 10).Conflicts.Single().Sequence);
    }

    [Fact]
    public void Conflicts_within_the_retention_are_kept()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));
        harness.Push(Laptop, Put(1, "a", baseVersion: 0));

        Assert.Null(harness.Ledger.PlanMaintenance(LedgerHarness.T0.AddDays(29)));
    }

    [Fact]
    public void A_large_purge_is_split_over_several_bounded_changes()
    {
        const int Tombstones = CollectionLedger.MaxPurgedTombstonesPerChange + 200;
        var harness = new LedgerHarness();
        for (var i = 0; i < Tombstones; i += SyncLimits.MaxMutationsPerCollection)
        {
            var count = Math.Min(SyncLimits.MaxMutationsPerCollection, Tombstones - i);
            harness.Push(Phone, [.. Enumerable.Range(i + 1, count).Select(id => Delete(id, $"gone-{id}"))]);
        }

        var first = harness.Ledger.PlanMaintenance(Later)!;
        var changes = harness.Maintain(Later);

        Assert.Equal(CollectionLedger.MaxPurgedTombstonesPerChange, first.PurgedTombstones.Count);
        Assert.Equal(2, changes);
        Assert.Equal(0, harness.Ledger.ItemCount);
        Assert.Equal(Tombstones, harness.Ledger.OldestServableVersion);
    }

    [Fact]
    public void Maintenance_assigns_no_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));

        harness.Maintain(Later);

        Assert.Equal(2, harness.Ledger.JournalPosition);
        Assert.Equal(2, harness.Ledger.HeadVersion);
        Assert.Equal(3, harness.PushOne(Phone, Put(3, "b")).Version);
    }
}
