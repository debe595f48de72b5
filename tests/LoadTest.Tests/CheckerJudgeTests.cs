using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

/// <summary>The checker's comparison of one acknowledged item with the server's state, without a cluster.</summary>
public sealed class CheckerJudgeTests
{
    private static readonly TaggedItemData A = new("a", "d0-m1", "x");
    private static readonly TaggedItemData B = new("b", "d1-m7", "x");

    [Fact]
    public void Same_version_and_data_matches()
    {
        var ledger = new AccountLedger("acc");
        Assert.Null(Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(5, A)));
    }

    [Fact]
    public void Acknowledged_delete_matches_a_tombstone_at_its_version()
    {
        var ledger = new AccountLedger("acc");
        Assert.Null(Judge(ledger, new ExpectedItem(9, true, null, "d0-m3"), State(9, null, deleted: true)));
    }

    [Fact]
    public void Missing_or_older_is_lost()
    {
        var ledger = new AccountLedger("acc");
        Assert.Equal(CheckerFindingKind.Lost, Judge(ledger, new ExpectedItem(5, false, A, A.Tag), null)!.Kind);
        Assert.Equal(CheckerFindingKind.Lost, Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(4, B))!.Kind);
    }

    [Fact]
    public void Other_data_at_the_acknowledged_version_is_corrupted()
    {
        var ledger = new AccountLedger("acc");
        Assert.Equal(CheckerFindingKind.Corrupted, Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(5, A with { Body = "y" }))!.Kind);
        Assert.Equal(CheckerFindingKind.Corrupted, Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(5, null, deleted: true))!.Kind);
    }

    [Fact]
    public void A_newer_write_no_device_made_means_the_acknowledged_one_is_lost()
    {
        var ledger = new AccountLedger("acc");
        var finding = Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(8, null, deleted: true));
        Assert.Equal(CheckerFindingKind.Lost, finding!.Kind);
        Assert.Contains("no simulated device made", finding.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newer_write_whose_answer_was_lost_is_accepted()
    {
        var ledger = new AccountLedger("acc");
        ledger.MarkInDoubt("item", B.Tag);
        Assert.Null(Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(8, B)));
        ledger.MarkInDoubt("item", AccountLedger.DeleteTag("d1-m9"));
        Assert.Null(Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(9, null, deleted: true)));
    }

    [Fact]
    public void The_acknowledged_mutation_at_a_second_version_was_applied_twice()
    {
        var ledger = new AccountLedger("acc");
        Assert.Equal(CheckerFindingKind.AppliedTwice, Judge(ledger, new ExpectedItem(5, false, A, A.Tag), State(6, A))!.Kind);
    }

    [Fact]
    public void The_ledger_notices_one_tag_at_two_versions()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("item", 5, false, A, A.Tag);
        ledger.Observe("item", A.Tag, 5, "a change");
        Assert.Empty(ledger.AppliedTwice);
        ledger.Observe("item", A.Tag, 7, "a change");
        Assert.Equal("item", Assert.Single(ledger.AppliedTwice).ItemId);
    }

    [Fact]
    public void The_ledger_keeps_the_highest_acknowledged_version()
    {
        var ledger = new AccountLedger("acc");
        ledger.Acknowledge("item", 7, false, B, B.Tag);
        ledger.Acknowledge("item", 5, false, A, A.Tag);
        Assert.Equal(7, ledger.Acknowledged["item"].Version);
        Assert.Equal(B, ledger.Acknowledged["item"].Data);
    }

    private static CheckerFinding? Judge(AccountLedger ledger, ExpectedItem want, ItemState? have)
    {
        long matched = 0, tombstones = 0, surfaced = 0;
        return Checker.Judge(ledger, "item", want, have, ref matched, ref tombstones, ref surfaced);
    }

    private static ItemState State(long version, TaggedItemData? data, bool deleted = false) =>
        new() { ItemId = "item", Version = version, Deleted = deleted, Data = data };
}
