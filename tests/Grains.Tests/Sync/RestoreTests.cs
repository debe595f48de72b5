using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>A restore from backup as one journal entry (docs/adr/0005-backups-and-restore.md, point 5).</summary>
public sealed class RestoreTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";
    private const long Epoch1 = 1L << 40;

    [Fact]
    public void A_restore_makes_the_collection_exactly_the_backed_up_state_in_a_new_epoch_and_replays_identically()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();

        live.Commit(live.Ledger.PlanRestore(atPoint));

        Assert.Equal(atPoint.ComputeDigest(), live.Ledger.ComputeDigest());
        Assert.Equal((3L, 1L), (live.Ledger.HeadVersion, live.Ledger.CurrentEpoch));
        var replayed = live.Replay();
        Assert.Equal((live.Ledger.ComputeDigest(), 1L, 3L), (replayed.ComputeDigest(), replayed.CurrentEpoch, replayed.HeadVersion));
    }

    [Fact]
    public void A_device_past_the_restored_head_gets_epoch_changed_and_so_does_one_at_or_below_it_when_versions_above_were_dropped()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();
        live.Commit(live.Ledger.PlanRestore(atPoint));

        var ahead = live.Sync(Phone, 5);
        // The laptop's cursor is below the cut, but versions 4 and 5 were handed out and dropped by the restore: it may
        // hold its own acknowledged write among them (a put is answered before the cursor passes it; found by the
        // two-replicas-wiped fault case). It hands back what it holds above the cut, then pulls from null.
        var behind = live.Sync(Laptop, 2);

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, ahead.Resync);
        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, behind.Resync);
        var replayed = live.Replay();
        Assert.Equal(live.Ledger.EpochReplacedHeads, replayed.EpochReplacedHeads);
        var reloaded = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(live.Ledger), live.Policy);
        Assert.Equal(new Dictionary<long, long> { [0] = 5 }, reloaded.EpochReplacedHeads);
    }

    [Fact]
    public void After_such_a_cut_a_device_that_pulled_from_null_is_served_page_by_page_and_not_sent_back_again()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();
        live.Commit(live.Ledger.PlanRestore(atPoint));
        Assert.NotNull(live.Sync(Laptop, 2).Resync);

        // The pull from null pages through versions of the old epoch (1..3, at or below the cut): its cursors were
        // handed out after the cut and must be served, or the device would start over on every page.
        var first = live.SyncWithLimit(Laptop, null, limit: 2);
        Assert.Null(first.Resync);
        Assert.True(first.HasMore);
        var second = live.SyncWithLimit(Laptop, first.Cursor, limit: 2);
        Assert.Null(second.Resync);
        Assert.Equal(["item-3"], second.Changes.Select(c => c.ItemId));
        Assert.Equal(3, second.Cursor); // the head is still a version of the old epoch: no new version exists yet
        Assert.Null(live.Sync(Laptop, second.Cursor).Resync);

        // What it learned survives a replay of the journal; another device is still sent to resync.
        Assert.Null(ReplayedHarness(live).Sync(Laptop, 3).Resync);
        Assert.Equal(ResyncReason.EpochChanged, live.Sync(Phone, 3).Resync?.Reason);
    }

    [Fact]
    public void A_later_cut_that_drops_versions_sends_even_a_device_that_pulled_since_the_first_to_resync()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();
        live.Commit(live.Ledger.PlanRestore(atPoint));
        Assert.Null(live.Sync(Laptop, null).Resync);
        var beforeSecond = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(live.Ledger), live.Policy);
        live.PushOne(Laptop, Put(6, "item-6"));

        live.Commit(live.Ledger.PlanRestore(beforeSecond));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, live.Sync(Laptop, 3).Resync);
    }

    private static LedgerHarness ReplayedHarness(LedgerHarness live)
    {
        var replayed = new LedgerHarness();
        foreach (var entry in live.Journal)
        {
            replayed.Commit(CollectionCodec.DecodeChange(entry));
        }

        return replayed;
    }

    [Fact]
    public void A_device_at_or_below_the_cut_of_a_restore_that_dropped_nothing_is_served()
    {
        var live = new LedgerHarness();
        live.Push(Phone, [.. Enumerable.Range(1, 3).Select(i => Put(i, $"item-{i}"))]);
        var atHead = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(live.Ledger), live.Policy);
        live.Commit(live.Ledger.PlanRestore(atHead));

        var behind = live.Sync(Laptop, 2);

        Assert.Null(behind.Resync);
        Assert.Equal(["item-3"], behind.Changes.Select(c => c.ItemId));
    }

    [Fact]
    public void New_versions_after_a_restore_are_above_every_version_the_collection_ever_assigned()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();
        live.Commit(live.Ledger.PlanRestore(atPoint));

        var handedBack = live.PushOne(Phone, Restore(100, "item-5", 5, """{"name":"kept on the phone"}"""));

        Assert.Equal(MutationStatus.Applied, handedBack.Status);
        Assert.Equal(Epoch1 + 1, handedBack.Version);
    }

    [Fact]
    public void A_cursor_from_an_epoch_the_live_collection_entered_after_the_backup_point_gets_epoch_changed_with_nothing_held()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();
        live.Sync(Phone, 9); // server-behind: the live collection moves to epoch 1 after the backup point
        live.PushOne(Phone, Put(50, "item-9"));
        live.Commit(live.Ledger.PlanRestore(atPoint));

        var response = live.Sync(Laptop, Epoch1 + 1);

        Assert.Equal(2, live.Ledger.CurrentEpoch);
        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 0 }, response.Resync);
    }

    [Fact]
    public void A_restore_entry_is_written_as_schema_2_so_older_builds_refuse_it_instead_of_reading_an_empty_change()
    {
        var (live, atPoint) = LiveAheadOfItsBackup();

        var json = System.Text.Encoding.UTF8.GetString(CollectionCodec.EncodeChange(live.Ledger.PlanRestore(atPoint)));

        Assert.StartsWith("""{"schema":2,""", json, StringComparison.Ordinal);
        Assert.Contains("\"restored\":{", json, StringComparison.Ordinal);
        Assert.Equal(3, CollectionCodec.DecodeChange(System.Text.Encoding.UTF8.GetBytes(json)).HeadVersion);
    }

    /// <summary>Five items live; the backup point held the first three.</summary>
    private static (LedgerHarness Live, CollectionLedger AtPoint) LiveAheadOfItsBackup()
    {
        var live = new LedgerHarness();
        live.Push(Phone, [.. Enumerable.Range(1, 3).Select(i => Put(i, $"item-{i}"))]);
        var atPoint = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(live.Ledger), live.Policy);
        live.Push(Phone, [.. Enumerable.Range(4, 2).Select(i => Put(i, $"item-{i}"))]);
        return (live, atPoint);
    }
}
