using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>
/// After storage lost every replica, a collection's history starts again from scratch, and a cursor from before the loss
/// may name a version of the new history (docs/adr/0008-device-readmission.md, "Old cursors"). Such a cursor is never
/// served as a delta: a readmitted device, and any device of a collection recreated after a loss, gets
/// <c>epoch-changed</c> with safeVersion 0 until it has pulled from null.
/// </summary>
public sealed class ReadmittedCursorTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";
    private const string Tablet = "tablet";
    private static readonly ResyncInstruction HandBackEverything = new() { Reason = ResyncReason.EpochChanged, SafeVersion = 0 };

    [Fact]
    public void A_readmitted_devices_old_cursor_is_never_served_even_once_the_new_history_has_overtaken_it()
    {
        var fresh = new LedgerHarness();
        fresh.Sync(Laptop, null);
        for (var i = 1; i <= 10; i++)
        {
            fresh.PushOne(Laptop, Put(i, $"item-{i}"));
        }

        // The phone's cursor 5 was of the lost history; 5 is also a version of this one, so Judge alone would serve it.
        var phone = fresh.SyncReadmitted(Phone, 5, Restore(1, "phone-item", 3));
        Assert.Equal(HandBackEverything, phone.Resync);
        Assert.Null(phone.Cursor);
        Assert.Equal(MutationStatus.Applied, phone.Results[0].Status); // what it hands back still applies

        var pulled = fresh.SyncReadmitted(Phone, null);
        Assert.Null(pulled.Resync);
        Assert.Equal(11, pulled.Changes.Count);
        var next = fresh.SyncReadmitted(Phone, pulled.Cursor);
        Assert.Null(next.Resync); // its new cursor is served from now on

        Assert.Contains(Phone, fresh.Replay().FreshDevices);
        Assert.Contains(Phone, CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(fresh.Ledger), fresh.Policy).FreshDevices);
    }

    [Fact]
    public void A_collection_recreated_after_a_loss_serves_no_cursor_from_before_whoever_sends_it()
    {
        var recreated = new LedgerHarness();
        recreated.Commit(recreated.Ledger.PlanHistoryLossEpoch(generation: 1));
        Assert.True(recreated.Ledger.RecreatedAfterLoss);

        recreated.Sync(Laptop, null);
        for (var i = 1; i <= 10; i++)
        {
            Assert.Null(recreated.Sync(Laptop, recreated.Ledger.HeadVersion, Put(i, $"item-{i}")).Resync);
        }

        // The tablet was authenticated without the flag (say by an account grain still holding pre-loss state): its old
        // cursor, in the new history's epoch and below its head, is still not served.
        var oldCursor = recreated.Ledger.HeadVersion - 3;
        Assert.Equal(HandBackEverything, recreated.Sync(Tablet, oldCursor).Resync);
        Assert.Null(recreated.Sync(Tablet, null).Resync);
        Assert.Null(recreated.Sync(Tablet, recreated.Ledger.HeadVersion).Resync);

        var replayed = recreated.Replay();
        Assert.True(replayed.RecreatedAfterLoss);
        Assert.Equal([Laptop, Tablet], replayed.FreshDevices.Order(StringComparer.Ordinal));
        var decoded = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(recreated.Ledger), recreated.Policy);
        Assert.True(decoded.RecreatedAfterLoss);
        Assert.Equal([Laptop, Tablet], decoded.FreshDevices.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_loss_answered_by_a_collection_that_kept_history_does_not_mark_it_recreated()
    {
        var kept = new LedgerHarness();
        kept.PushOne(Laptop, Put(1, "item-1"));

        kept.Commit(kept.Ledger.PlanHistoryLossEpoch(generation: 1));

        Assert.False(kept.Ledger.RecreatedAfterLoss); // the epoch cut tells its cursors apart (HistoryLossEpochTests)
        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 1 }, kept.Sync(Laptop, 1).Resync);
    }

    [Fact]
    public void A_device_registered_after_the_recovery_is_served_normally()
    {
        var live = new LedgerHarness();
        live.PushOne(Laptop, Put(1, "item-1"));

        Assert.Null(live.Sync(Tablet, null).Resync);
        Assert.Null(live.Sync(Tablet, live.Ledger.HeadVersion).Resync);
        Assert.Empty(live.Ledger.FreshDevices); // nothing is recorded for devices that never needed it
    }

    [Fact]
    public void A_snapshot_of_a_collection_without_readmitted_devices_encodes_as_before()
    {
        var live = new LedgerHarness();
        live.PushOne(Laptop, Put(1, "item-1"));

        var json = System.Text.Encoding.UTF8.GetString(CollectionCodec.EncodeSnapshot(live.Ledger));
        var entry = System.Text.Encoding.UTF8.GetString(live.Journal[^1]);

        Assert.DoesNotContain("\"recreated\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"fresh\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"fresh\"", entry, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_loss_the_newest_handed_back_copy_wins_whichever_device_hands_back_first()
    {
        var recreated = new LedgerHarness();
        recreated.Commit(recreated.Ledger.PlanHistoryLossEpoch(generation: 1));

        // The tablet held an old copy (version 1 of the lost history) and hands back first; it gets a new-history version.
        Assert.Equal(MutationStatus.Applied, recreated.Sync(Tablet, null, Restore(1, "item", 1, "{\"v\":1}")).Results[0].Status);
        // The phone held the acknowledged newer copy (version 37): it replaces the older hand-back instead of being archived.
        var phone = recreated.Sync(Phone, null, Restore(1, "item", 37, "{\"v\":37}"));
        Assert.Equal(MutationStatus.Applied, phone.Results[0].Status);
        Assert.Equal("{\"v\":37}", recreated.Ledger.Find("item")!.Data);
        // An in-between copy is older than what came back: archived as a conflict; the same copy again is a duplicate.
        Assert.Equal(MutationStatus.Conflict, recreated.Sync(Laptop, null, Restore(1, "item", 20, "{\"v\":20}")).Results[0].Status);
        Assert.Equal(MutationStatus.Duplicate, recreated.Sync(Phone, null, Restore(2, "item", 37, "{\"v\":37}")).Results[0].Status);
        // A later resync of the phone hands the record back at its new-history version: the same record, a duplicate
        // (compared with the record's own version, not with the version it was handed back at).
        var acknowledged = phone.Results[0].Version!.Value;
        Assert.Equal(MutationStatus.Duplicate, recreated.Sync(Phone, null, Restore(3, "item", acknowledged, "{\"v\":37}")).Results[0].Status);

        // A normal write after the hand-back is newer than every handed-back copy.
        var head = recreated.Ledger.Find("item")!.Version;
        Assert.Equal(MutationStatus.Applied, recreated.Sync(Phone, recreated.Ledger.HeadVersion, Put(4, "item", "{\"v\":\"new\"}", baseVersion: head)).Results[0].Status);
        Assert.Equal(MutationStatus.Conflict, recreated.Sync(Laptop, null, Restore(2, "item", 40, "{\"v\":40}")).Results[0].Status);
        Assert.Equal(recreated.Ledger.Find("item")!.HandedBackVersion, recreated.Replay().Find("item")!.HandedBackVersion);
    }
}
