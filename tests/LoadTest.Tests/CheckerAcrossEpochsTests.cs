using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// The checker after a data loss: versions are renumbered into a new epoch when devices hand data back, so the ledger
/// orders writes by where they first stood (their origin), and the findings say whether a device could have saved a
/// write (lost, superseded) or none held it (unrecoverable).
/// </summary>
public sealed class CheckerAcrossEpochsTests
{
    private static readonly long Epoch1 = VersionEpochs.Version(1, 0);
    private static readonly TaggedItemData Older = new("older", "d1-m3", "x");
    private static readonly TaggedItemData Newer = new("newer", "d0-m8", "x");

    [Fact]
    public void A_write_handed_back_into_a_new_epoch_matches_and_is_not_applied_twice()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("item", 40, false, Newer, Newer.Tag);
        ledger.NoteHeldAtResync("item", Newer.Tag);
        ledger.NoteResync();
        ledger.Acknowledge("item", Epoch1 + 2, false, Newer, Newer.Tag, handedBack: true);

        var want = ledger.Acknowledged["item"];
        Assert.Equal((Epoch1 + 2, 40L), (want.Version, want.Origin));
        Assert.Empty(ledger.AppliedTwice);
        Assert.Null(Judge(ledger, want, State(Epoch1 + 2, Newer)));

        // Handed back by another device whose answer this ledger never saw: still the same write, in a later epoch.
        Assert.Null(Judge(ledger, new ExpectedItem(40, false, Newer, Newer.Tag), State(Epoch1 + 5, Newer)));
    }

    [Fact]
    public void One_mutation_at_two_versions_of_one_epoch_is_still_applied_twice()
    {
        var ledger = new AccountLedger("acc");
        ledger.Observe("item", Newer.Tag, Epoch1 + 1, "a change");
        ledger.Observe("item", Newer.Tag, Epoch1 + 4, "a change");
        Assert.Single(ledger.AppliedTwice);
    }

    [Fact]
    public void An_older_copy_handed_back_first_does_not_become_the_expected_write_and_is_reported_superseded()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("item", 35, false, Older, Older.Tag);
        ledger.Acknowledge("item", 40, false, Newer, Newer.Tag);
        ledger.NoteHeldAtResync("item", Older.Tag); // device 1 still had the older copy
        ledger.NoteHeldAtResync("item", Newer.Tag); // device 0 had the newer one
        ledger.NoteResync();

        // Device 1 hands its copy back first and the server applies it in the new epoch; device 0's gets 'conflict'.
        ledger.Acknowledge("item", Epoch1 + 1, false, Older, Older.Tag, handedBack: true);

        var want = ledger.Acknowledged["item"];
        Assert.Equal(Newer.Tag, want.Tag);
        var finding = Judge(ledger, want, State(Epoch1 + 1, Older));
        Assert.Equal(CheckerFindingKind.Superseded, finding!.Kind);
        Assert.Contains("an older write (first at version 35)", finding.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_no_device_held_when_the_server_lost_it_is_unrecoverable_and_one_a_device_held_is_lost()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("gone", 40, false, Newer, Newer.Tag);
        ledger.Acknowledge("kept", 41, false, Older, Older.Tag);
        ledger.NoteHeldAtResync("kept", Older.Tag);
        ledger.NoteResync();

        Assert.Equal(CheckerFindingKind.Unrecoverable, Judge(ledger, ledger.Acknowledged["gone"], null, "gone")!.Kind);
        Assert.Equal(CheckerFindingKind.Lost, Judge(ledger, ledger.Acknowledged["kept"], null, "kept")!.Kind);
    }

    [Fact]
    public void A_delete_a_device_held_as_a_tombstone_is_lost_not_unrecoverable()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("item", 40, true, null, "d0-m9");
        ledger.NoteHeldAtResync("item", AccountLedger.TombstoneTag(40));
        ledger.NoteResync();
        Assert.Equal(CheckerFindingKind.Lost, Judge(ledger, ledger.Acknowledged["item"], State(30, Older))!.Kind);
    }

    [Fact]
    public void Without_a_resync_after_the_write_a_missing_write_is_lost()
    {
        var ledger = new AccountLedger("acc");
        ledger.NoteResync();
        ledger.Acknowledge("item", Epoch1 + 3, false, Newer, Newer.Tag);
        Assert.Equal(CheckerFindingKind.Lost, Judge(ledger, ledger.Acknowledged["item"], null)!.Kind);
    }

    private static CheckerFinding? Judge(AccountLedger ledger, ExpectedItem want, ItemState? have, string itemId = "item")
    {
        long matched = 0, tombstones = 0, surfaced = 0;
        return Checker.Judge(ledger, itemId, want, have, ref matched, ref tombstones, ref surfaced);
    }

    private static ItemState State(long version, TaggedItemData? data, bool deleted = false) =>
        new() { ItemId = "item", Version = version, Deleted = deleted, Data = data };
}
