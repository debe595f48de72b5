using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>
/// A collection answering a storage history loss (replicas healed from too few healthy ones: the journal's last entries
/// may be gone) with a new epoch cut at what it still holds, so no version is handed out twice and devices that saw
/// more hand it back (PROTOCOL.md, "Versions" and "Resync").
/// </summary>
public sealed class HistoryLossEpochTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";
    private const long Epoch1 = 1L << 40;

    [Fact]
    public void After_a_loss_a_device_that_saw_lost_versions_hands_back_and_new_versions_are_never_reused()
    {
        var kept = AfterLosingTheLastTwoEntries();

        kept.Commit(kept.Ledger.PlanHistoryLossEpoch(generation: 1));

        Assert.Equal((1L, 3L, 1L), (kept.Ledger.CurrentEpoch, kept.Ledger.HeadVersion, kept.Ledger.HistoryLossGeneration));
        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, kept.Sync(Phone, 5).Resync);
        // A cursor at or below the cut too: how far the lost history went is unknown, and the laptop may hold its own
        // acknowledged write among the lost versions. It hands back what it holds above 3, then pulls from null once.
        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, kept.Sync(Laptop, 2).Resync);
        var laptop = kept.Sync(Laptop, null);
        Assert.Null(laptop.Resync);
        Assert.Equal(["item-1", "item-2", "item-3"], laptop.Changes.Select(c => c.ItemId));
        Assert.Null(kept.Sync(Laptop, laptop.Cursor).Resync);
        Assert.Equal(Epoch1 + 1, kept.PushOne(Laptop, Put(10, "item-new")).Version); // not 4, which the phone saw as item-4
    }

    [Fact]
    public void A_device_whose_acknowledged_write_was_lost_below_its_cursor_is_asked_for_it_back()
    {
        // The laptop read up to 3, then wrote item-4 and was told "stored at 4"; storage then lost entry 4 (the heal
        // kept three entries). Its cursor, 3, is at the cut: served as a delta it would never hand item-4 back.
        var live = new LedgerHarness();
        live.Push(Laptop, [.. Enumerable.Range(1, 3).Select(i => Put(i, $"item-{i}"))]);
        Assert.Equal(4, live.Sync(Laptop, 3, Put(4, "item-4")).Results[0].Version);
        var kept = new LedgerHarness();
        foreach (var entry in live.Journal.Take(1))
        {
            kept.Commit(CollectionCodec.DecodeChange(entry));
        }

        kept.Commit(kept.Ledger.PlanHistoryLossEpoch(generation: 1));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 3 }, kept.Sync(Laptop, 3).Resync);
    }

    [Fact]
    public void Without_the_epoch_the_lost_versions_would_be_handed_out_again()
    {
        var kept = AfterLosingTheLastTwoEntries();

        Assert.Null(kept.Sync(Phone, 3).Resync); // a cursor at what is kept is fine either way
        Assert.Equal(4, kept.PushOne(Laptop, Put(10, "item-new")).Version); // the hazard the epoch prevents
    }

    [Fact]
    public void The_answered_generation_survives_replay_snapshots_and_a_later_restore()
    {
        var kept = AfterLosingTheLastTwoEntries();
        var olderPoint = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(kept.Ledger), kept.Policy);
        kept.Commit(kept.Ledger.PlanHistoryLossEpoch(generation: 2));

        Assert.Equal(2, kept.Replay().HistoryLossGeneration);
        Assert.Equal(2, CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(kept.Ledger), kept.Policy).HistoryLossGeneration);
        kept.Commit(kept.Ledger.PlanRestore(olderPoint));
        Assert.Equal(2, kept.Ledger.HistoryLossGeneration); // a restored image does not un-answer the loss
        Assert.Equal(2, kept.Replay().HistoryLossGeneration);
    }

    [Fact]
    public void A_snapshot_of_a_collection_that_never_met_a_loss_encodes_as_before()
    {
        var live = new LedgerHarness();
        live.PushOne(Phone, Put(1, "item-1"));

        var json = System.Text.Encoding.UTF8.GetString(CollectionCodec.EncodeSnapshot(live.Ledger));

        Assert.DoesNotContain("lossGen", json, StringComparison.Ordinal);
    }

    /// <summary>Five versions were acknowledged, one entry each, and the phone synced all five; storage kept three entries.</summary>
    private static LedgerHarness AfterLosingTheLastTwoEntries()
    {
        var live = new LedgerHarness();
        for (var i = 1; i <= 5; i++)
        {
            live.PushOne(Phone, Put(i, $"item-{i}"));
        }

        var kept = new LedgerHarness();
        foreach (var entry in live.Journal.Take(3))
        {
            kept.Commit(CollectionCodec.DecodeChange(entry));
        }

        return kept;
    }
}
