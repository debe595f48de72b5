using DeviceSync.Contracts.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class ChangeFeedTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";

    [Fact]
    public void A_null_cursor_lists_every_item_and_tombstone_in_ascending_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Put(3, "c"), Delete(4, "b"));

        var response = harness.Sync(Laptop, null);

        Assert.Equal(["a", "c", "b"], response.Changes.Select(c => c.ItemId));
        Assert.Equal([1L, 3L, 4L], response.Changes.Select(c => c.Version));
        Assert.Equal(4, response.Cursor);
        Assert.False(response.HasMore);
        Assert.Null(response.Resync);
    }

    [Fact]
    public void An_item_edited_three_times_appears_once_with_its_latest_state()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a", """{"n":1}"""), Put(2, "b"));
        harness.Push(Phone, Put(3, "a", """{"n":2}"""));
        harness.Push(Laptop, Put(1, "a", """{"n":3}"""));

        var response = harness.Sync(Laptop, 0);

        Assert.Equal(["b", "a"], response.Changes.Select(c => c.ItemId));
        var a = response.Changes.Single(c => c.ItemId == "a");
        Assert.Equal((4L, """{"n":3}""", Laptop), (a.Version, a.Data, a.ModifiedBy));
    }

    [Fact]
    public void Changes_include_the_requests_own_changes()
    {
        var harness = new LedgerHarness();
        harness.Push(Laptop, Put(1, "x"));

        var response = harness.Sync(Phone, 1, Put(1, "a"), Put(2, "b"));

        Assert.Equal(["a", "b"], response.Changes.Select(c => c.ItemId));
        Assert.Equal(3, response.Cursor);
    }

    [Fact]
    public void A_cursor_lists_only_what_changed_after_it()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Put(3, "c"));

        var response = harness.Sync(Laptop, 2);

        Assert.Equal("c", Assert.Single(response.Changes).ItemId);
    }

    [Fact]
    public void A_current_cursor_gets_no_changes_and_the_head_as_cursor()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"));

        var response = harness.Sync(Laptop, 2);

        Assert.Empty(response.Changes);
        Assert.Equal(2, response.Cursor);
        Assert.False(response.HasMore);
    }

    [Fact]
    public void A_device_that_got_everything_is_current_through_the_head_even_past_superseded_versions()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"), Put(3, "a"));

        var response = harness.Sync(Laptop, 1);

        Assert.Equal([2L, 3L], response.Changes.Select(c => c.Version));
        Assert.Equal(3, response.Cursor);
    }

    [Fact]
    public void An_empty_collection_answers_cursor_zero()
    {
        var response = new LedgerHarness().Sync(Phone, null);

        Assert.Empty(response.Changes);
        Assert.Equal(0, response.Cursor);
        Assert.False(response.HasMore);
    }

    [Fact]
    public void Limit_pages_the_changes_with_has_more_and_the_last_listed_version_as_cursor()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, [.. Enumerable.Range(1, 5).Select(i => Put(i, $"item-{i}"))]);

        var first = harness.SyncWithLimit(Laptop, null, 2);
        var second = harness.SyncWithLimit(Laptop, first.Cursor, 2);
        var third = harness.SyncWithLimit(Laptop, second.Cursor, 2);

        AssertPage(first, [1, 2], 2, hasMore: true);
        AssertPage(second, [3, 4], 4, hasMore: true);
        AssertPage(third, [5], 5, hasMore: false);
    }

    [Fact]
    public void A_page_that_ends_exactly_at_the_last_change_has_no_more()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"));

        var page = harness.SyncWithLimit(Laptop, null, 2);

        Assert.False(page.HasMore);
        Assert.Equal(2, page.Cursor);
    }

    [Fact]
    public void Paging_while_another_device_writes_never_skips_a_change()
    {
        var harness = new LedgerHarness();
        var random = new Random(1009);
        var nextId = 1L;
        harness.Push(Phone, [.. Enumerable.Range(0, 40).Select(i => Put(nextId++, $"item-{i}", $$"""{"n":{{i}}}"""))]);

        var local = new Dictionary<string, ItemState>();
        long? cursor = null;
        var pages = 0;
        while (true)
        {
            var page = harness.SyncWithLimit(Laptop, cursor, 3);
            foreach (var change in page.Changes)
            {
                local[change.ItemId] = change;
            }

            cursor = page.Cursor;
            pages++;
            if (!page.HasMore && pages > 30)
            {
                break;
            }

            // Edit items already paged through, items not reached yet, and create and delete some, between pages.
            var writes = Enumerable.Range(0, 3).Select(_ => random.Next(4) switch
            {
                0 => Put(nextId++, $"item-{random.Next(60)}", $$"""{"n":{{nextId}}}"""),
                1 => Delete(nextId++, $"item-{random.Next(60)}"),
                _ => Put(nextId++, $"item-{random.Next(40)}", $$"""{"n":{{nextId}}}"""),
            });
            if (pages <= 30)
            {
                harness.Push(Phone, [.. writes]);
            }
        }

        var server = harness.Sync(Phone, null).Changes.ToDictionary(c => c.ItemId);
        Assert.Equal(server.Count, local.Count);
        Assert.All(server, pair => Assert.Equal(pair.Value, local[pair.Key]));
    }

    [Fact]
    public void Each_page_lists_each_item_once_in_ascending_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, [.. Enumerable.Range(1, 30).Select(i => Put(i, $"item-{i % 7}", $$"""{"n":{{i}}}"""))]);

        var page = harness.Sync(Laptop, null);

        Assert.Equal(7, page.Changes.Count);
        Assert.Equal(page.Changes.Select(c => c.ItemId).Distinct().Count(), page.Changes.Count);
        Assert.True(page.Changes.Zip(page.Changes.Skip(1)).All(p => p.First.Version < p.Second.Version));
    }

    [Fact]
    public void A_hundred_thousand_item_collection_is_built_and_paged_completely()
    {
        const int Items = 100_000;
        var harness = new LedgerHarness();
        for (var batch = 0; batch < Items / SyncLimits.MaxMutationsPerCollection; batch++)
        {
            var first = (batch * SyncLimits.MaxMutationsPerCollection) + 1;
            harness.Push(Phone, [.. Enumerable.Range(first, SyncLimits.MaxMutationsPerCollection)
                .Select(i => Put(i, $"item-{i}", """{"k":"v"}"""))]);
        }

        var seen = new HashSet<string>();
        long? cursor = null;
        var pages = 0;
        SyncCollectionResult page;
        do
        {
            page = harness.SyncWithLimit(Laptop, cursor, SyncLimits.MaxChangesLimit);
            Assert.All(page.Changes, c => Assert.True(seen.Add(c.ItemId)));
            cursor = page.Cursor;
            pages++;
        }
        while (page.HasMore);

        Assert.Equal(Items, harness.Ledger.ItemCount);
        Assert.Equal(Items, seen.Count);
        Assert.Equal(Items / SyncLimits.MaxChangesLimit, pages);
        Assert.Equal((long)Items, cursor);

        var oneItem = harness.Sync(Laptop, cursor, Put(1, "item-500", """{"k":"w"}"""));
        Assert.Equal(Items + 1, Assert.Single(oneItem.Changes).Version);
        Assert.Equal(Items + 1L, oneItem.Cursor);
    }

    private static void AssertPage(SyncCollectionResult page, long[] versions, long cursor, bool hasMore)
    {
        Assert.Equal(versions, page.Changes.Select(c => c.Version));
        Assert.Equal(cursor, page.Cursor);
        Assert.Equal(hasMore, page.HasMore);
    }
}
