using DeviceSync.Contracts.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class ConflictArchiveTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";

    [Fact]
    public void A_put_that_lost_is_archived_with_the_devices_data()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a"));
        harness.Now = LedgerHarness.T0.AddMinutes(5);

        harness.Push(Laptop, Put(41, "a", """{"name":"Mine"}""", baseVersion: 1));

        var record = Assert.Single(harness.Ledger.ReadConflicts(null, 10).Conflicts);
        Assert.Equal(new ConflictRecord
        {
            Sequence = 1,
            Collection = "contacts",
            ItemId = "a",
            DeviceId = Laptop,
            MutationId = 41,
            At = LedgerHarness.T0.AddMinutes(5),
            Data = """{"name":"Mine"}""",
            Deleted = false,
            ServerVersion = 2,
        }, record);
    }

    [Fact]
    public void A_delete_that_lost_is_archived_as_deleted_without_data()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a"));

        harness.Push(Laptop, Delete(8, "a", baseVersion: 1));

        var record = Assert.Single(harness.Ledger.ReadConflicts(null, 10).Conflicts);
        Assert.True(record.Deleted);
        Assert.Null(record.Data);
        Assert.Equal(2, record.ServerVersion);
        Assert.Equal(8, record.MutationId);
    }

    [Fact]
    public void A_restore_that_lost_is_archived_with_the_servers_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a"), Put(3, "a"));

        harness.Push(Laptop, Restore(1, "a", 2, """{"name":"Old"}"""));

        var record = Assert.Single(harness.Ledger.ReadConflicts(null, 10).Conflicts);
        Assert.Equal("""{"name":"Old"}""", record.Data);
        Assert.False(record.Deleted);
        Assert.Equal(3, record.ServerVersion);
    }

    [Fact]
    public void Archive_sequences_strictly_increase_across_requests()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        harness.Push(Laptop, Put(1, "a", baseVersion: 0), Put(2, "a", baseVersion: 0));
        harness.Push(Laptop, Put(3, "a", baseVersion: 0));

        Assert.Equal([1L, 2L, 3L], harness.Ledger.ReadConflicts(null, 10).Conflicts.Select(c => c.Sequence));
    }

    [Fact]
    public void Conflicts_page_in_sequence_order_with_cursor_and_has_more()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));
        harness.Push(Laptop, [.. Enumerable.Range(1, 5).Select(i => Put(i, "a", $$"""{"n":{{i}}}""", baseVersion: 0))]);

        var first = harness.Ledger.ReadConflicts(null, 2);
        var second = harness.Ledger.ReadConflicts(first.Cursor, 2);
        var third = harness.Ledger.ReadConflicts(second.Cursor, 2);

        Assert.Equal([1L, 2L], first.Conflicts.Select(c => c.Sequence));
        Assert.Equal((2L, true), (first.Cursor!.Value, first.HasMore));
        Assert.Equal([3L, 4L], second.Conflicts.Select(c => c.Sequence));
        Assert.Equal((4L, true), (second.Cursor!.Value, second.HasMore));
        Assert.Equal([5L], third.Conflicts.Select(c => c.Sequence));
        Assert.Equal((5L, false), (third.Cursor!.Value, third.HasMore));
    }

    [Fact]
    public void Reading_past_the_last_conflict_returns_an_empty_page_keeping_the_cursor()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));
        harness.Push(Laptop, Put(1, "a", baseVersion: 0));

        var page = harness.Ledger.ReadConflicts(1, 10);

        Assert.Empty(page.Conflicts);
        Assert.Equal(1, page.Cursor);
        Assert.False(page.HasMore);
    }

    [Fact]
    public void An_empty_archive_reads_as_an_empty_page_at_cursor_zero()
    {
        var page = new LedgerHarness().Ledger.ReadConflicts(null, 10);

        Assert.Empty(page.Conflicts);
        Assert.Equal(0, page.Cursor);
        Assert.False(page.HasMore);
    }

    [Fact]
    public void Applied_and_duplicate_mutations_archive_nothing()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b", baseVersion: 0), Restore(3, "b", 2));
        harness.Push(Phone, Put(1, "a", baseVersion: 7));

        Assert.Empty(harness.Ledger.ReadConflicts(null, 10).Conflicts);
    }
}
