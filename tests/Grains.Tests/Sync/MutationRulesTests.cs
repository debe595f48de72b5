using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class MutationRulesTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";

    [Fact]
    public void Applied_versions_start_at_one_and_strictly_increase()
    {
        var harness = new LedgerHarness();

        var first = harness.Push(Phone, Put(1, "a"), Put(2, "b"));
        var second = harness.Push(Phone, Put(3, "c"));

        Assert.Equal([1L, 2L, 3L], first.Concat(second).Select(r => r.Version!.Value));
        Assert.All(first.Concat(second), r => Assert.Equal(MutationStatus.Applied, r.Status));
        Assert.Equal(3, harness.Ledger.HeadVersion);
        Assert.Equal(0, harness.Ledger.CurrentEpoch);
    }

    [Fact]
    public void Every_applied_mutation_of_the_same_item_gets_its_own_version()
    {
        var harness = new LedgerHarness();

        var results = harness.Push(Phone, Put(1, "a", """{"n":1}"""), Put(2, "a", """{"n":2}"""));

        Assert.Equal([1L, 2L], results.Select(r => r.Version!.Value));
        Assert.Equal(1, harness.Ledger.ItemCount);
        Assert.Equal(2, harness.Ledger.HeadVersion);
    }

    [Fact]
    public void Applied_item_records_time_data_and_device()
    {
        var harness = new LedgerHarness();

        var result = harness.Sync(Phone, null, Put(1, "a", """{"name":"Ann"}"""));

        var item = Assert.Single(result.Changes);
        Assert.Equal(new ItemState
        {
            ItemId = "a",
            Version = 1,
            Deleted = false,
            Data = """{"name":"Ann"}""",
            ModifiedAt = LedgerHarness.T0,
            ModifiedBy = Phone,
        }, item);
    }

    [Fact]
    public void Mutation_id_already_processed_is_duplicate_with_the_items_current_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(5, "a"));
        harness.Push(Laptop, Put(1, "a"));

        var resent = harness.PushOne(Phone, Put(5, "a", """{"name":"Again"}"""));

        Assert.Equal(new MutationResult { Id = 5, Status = MutationStatus.Duplicate, Version = 2 }, resent);
        Assert.Equal(2, harness.Ledger.HeadVersion);
    }

    [Fact]
    public void Mutation_id_below_the_devices_mark_is_duplicate_even_if_never_seen()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(10, "a"));

        var older = harness.PushOne(Phone, Put(7, "b"));

        Assert.Equal(new MutationResult { Id = 7, Status = MutationStatus.Duplicate, Version = 0 }, older);
        Assert.Equal(1, harness.Ledger.ItemCount);
    }

    [Fact]
    public void Repeated_id_within_one_request_is_duplicate()
    {
        var harness = new LedgerHarness();

        var results = harness.Push(Phone, Put(7, "a"), Put(7, "b"));

        Assert.Equal(MutationStatus.Applied, results[0].Status);
        Assert.Equal(new MutationResult { Id = 7, Status = MutationStatus.Duplicate, Version = 0 }, results[1]);
        Assert.Equal(1, harness.Ledger.ItemCount);
    }

    [Fact]
    public void A_lower_id_after_a_higher_one_in_the_same_request_is_duplicate()
    {
        var harness = new LedgerHarness();

        var results = harness.Push(Phone, Put(9, "a"), Put(4, "b"));

        Assert.Equal(new MutationResult { Id = 4, Status = MutationStatus.Duplicate, Version = 0 }, results[1]);
    }

    [Fact]
    public void Mutation_that_lost_a_conflict_is_duplicate_when_resent()
    {
        var harness = new LedgerHarness();
        harness.Push(Laptop, Put(1, "a"));
        var lost = harness.PushOne(Phone, Put(4, "a", baseVersion: 0));

        var resent = harness.PushOne(Phone, Put(4, "a", baseVersion: 0));

        Assert.Equal(MutationStatus.Conflict, lost.Status);
        Assert.Equal(new MutationResult { Id = 4, Status = MutationStatus.Duplicate, Version = 1 }, resent);
        Assert.Single(harness.Ledger.ReadConflicts(null, 10).Conflicts);
    }

    [Fact]
    public void Resending_a_whole_request_applies_nothing_twice_and_persists_nothing()
    {
        var harness = new LedgerHarness();
        Mutation[] request = [Put(1, "a"), Delete(2, "b"), Restore(3, "c", 9)];
        harness.Push(Phone, request);
        var journalLength = harness.Journal.Count;

        var plan = harness.Ledger.Plan(
            new SyncCollectionRequest { DeviceId = Phone, Cursor = 3, Mutations = request }, harness.Now);

        Assert.Null(plan.Change);
        Assert.Equal([1L, 2L, 3L], plan.Results.Select(r => r.Version!.Value));
        Assert.All(plan.Results, r => Assert.Equal(MutationStatus.Duplicate, r.Status));
        Assert.Equal(journalLength, harness.Journal.Count);
    }

    [Fact]
    public void Mutation_marks_are_kept_per_device()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(50, "a"));

        var other = harness.PushOne(Laptop, Put(1, "b"));

        Assert.Equal(MutationStatus.Applied, other.Status);
    }

    [Fact]
    public void Sync_without_mutations_persists_nothing()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        var plan = harness.Ledger.Plan(new SyncCollectionRequest { DeviceId = Phone, Cursor = 0 }, harness.Now);

        Assert.Null(plan.Change);
        Assert.Empty(plan.Results);
    }

    [Fact]
    public void Request_that_only_conflicts_persists_the_archive_and_the_mark()
    {
        var harness = new LedgerHarness();
        harness.Push(Laptop, Put(1, "a"));

        var plan = harness.Ledger.Plan(
            new SyncCollectionRequest { DeviceId = Phone, Cursor = 1, Mutations = [Put(3, "a", baseVersion: 0)] },
            harness.Now);

        var change = Assert.IsType<CollectionChange>(plan.Change);
        Assert.Empty(change.Items);
        Assert.Single(change.Conflicts);
        Assert.Equal(3, Assert.Single(change.Marks).MutationId);
        Assert.Equal(1, change.HeadVersion);
    }

    [Fact]
    public void Put_with_the_current_base_version_is_applied()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        var result = harness.PushOne(Laptop, Put(1, "a", """{"name":"Cy"}""", baseVersion: 1));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Applied, Version = 2 }, result);
    }

    [Fact]
    public void Put_with_a_stale_base_version_is_a_conflict_showing_the_server_item()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a", """{"name":"Di"}"""));

        var result = harness.PushOne(Laptop, Put(1, "a", """{"name":"Ed"}""", baseVersion: 1));

        Assert.Equal(MutationStatus.Conflict, result.Status);
        Assert.Null(result.Version);
        Assert.Equal(harness.Sync(Phone, 0).Changes.Single(), result.Current);
        Assert.Equal(2, result.Current!.Version);
        Assert.Equal("""{"name":"Di"}""", result.Current.Data);
        Assert.Equal(2, harness.Ledger.HeadVersion);
    }

    [Fact]
    public void Put_with_base_zero_for_an_existing_item_is_a_conflict()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        var result = harness.PushOne(Laptop, Put(1, "a", baseVersion: 0));

        Assert.Equal(MutationStatus.Conflict, result.Status);
        Assert.Equal(1, result.Current!.Version);
    }

    [Fact]
    public void Put_with_base_zero_for_a_new_item_is_applied()
    {
        var harness = new LedgerHarness();

        var result = harness.PushOne(Phone, Put(1, "a", baseVersion: 0));

        Assert.Equal(MutationStatus.Applied, result.Status);
    }

    [Fact]
    public void Put_with_a_base_version_for_an_item_without_record_is_a_conflict_with_null_current()
    {
        var harness = new LedgerHarness();

        var result = harness.PushOne(Phone, Put(1, "a", baseVersion: 12));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Conflict, Current = null }, result);
        Assert.Equal(0, harness.Ledger.ItemCount);
        Assert.Equal(0, harness.Ledger.ReadConflicts(null, 10).Conflicts.Single().ServerVersion);
    }

    [Fact]
    public void Delete_leaves_a_tombstone_with_a_new_version_in_the_changes()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        var response = harness.Sync(Laptop, 1, Delete(1, "a", baseVersion: 1));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Applied, Version = 2 }, response.Results[0]);
        var tombstone = Assert.Single(response.Changes);
        Assert.True(tombstone.Deleted);
        Assert.Null(tombstone.Data);
        Assert.Equal(2, tombstone.Version);
        Assert.Equal(Laptop, tombstone.ModifiedBy);
        Assert.Equal(1, harness.Ledger.ItemCount);
    }

    [Fact]
    public void Delete_with_a_stale_base_version_is_a_conflict()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a"));

        var result = harness.PushOne(Laptop, Delete(1, "a", baseVersion: 1));

        Assert.Equal(MutationStatus.Conflict, result.Status);
        Assert.False(result.Current!.Deleted);
        Assert.Equal(2, result.Current.Version);
    }

    [Fact]
    public void Put_based_on_a_tombstones_version_recreates_the_item()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a", baseVersion: 1));

        var response = harness.Sync(Laptop, 2, Put(1, "a", """{"name":"Back"}""", baseVersion: 2));

        Assert.Equal(MutationStatus.Applied, response.Results[0].Status);
        var item = Assert.Single(response.Changes);
        Assert.False(item.Deleted);
        Assert.Equal("""{"name":"Back"}""", item.Data);
        Assert.Equal(3, item.Version);
    }

    [Fact]
    public void Put_with_base_zero_over_a_tombstone_is_a_conflict_showing_the_tombstone()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));

        var result = harness.PushOne(Laptop, Put(1, "a", baseVersion: 0));

        Assert.Equal(MutationStatus.Conflict, result.Status);
        Assert.True(result.Current!.Deleted);
        Assert.Equal(2, result.Current.Version);
    }

    [Fact]
    public void Unconditional_put_overwrites_whatever_the_server_has()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "a"), Delete(3, "a"));

        var response = harness.Sync(Laptop, 3, Put(1, "a", """{"name":"Last"}"""));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Applied, Version = 4 }, response.Results[0]);
        Assert.Equal("""{"name":"Last"}""", Assert.Single(response.Changes).Data);
    }

    [Fact]
    public void Unconditional_delete_of_an_item_without_record_leaves_a_tombstone()
    {
        var harness = new LedgerHarness();

        var response = harness.Sync(Phone, null, Delete(1, "ghost"));

        Assert.Equal(MutationStatus.Applied, response.Results[0].Status);
        Assert.True(Assert.Single(response.Changes).Deleted);
    }

    [Fact]
    public void Delete_with_base_zero_of_an_item_without_record_leaves_a_tombstone()
    {
        var harness = new LedgerHarness();

        var result = harness.PushOne(Phone, Delete(1, "ghost", baseVersion: 0));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Applied, Version = 1 }, result);
        Assert.Equal(1, harness.Ledger.ItemCount);
    }

    [Fact]
    public void Later_mutations_in_a_request_see_the_effects_of_earlier_ones()
    {
        var harness = new LedgerHarness();

        var results = harness.Push(
            Phone, Put(1, "a", baseVersion: 0), Put(2, "a", baseVersion: 1), Delete(3, "a", baseVersion: 2), Put(4, "a", baseVersion: 0));

        Assert.Equal(
            [MutationStatus.Applied, MutationStatus.Applied, MutationStatus.Applied, MutationStatus.Conflict],
            results.Select(r => r.Status));
        Assert.Equal(3, results[3].Current!.Version);
        Assert.True(results[3].Current!.Deleted);
    }

    [Fact]
    public void Restore_of_an_item_without_record_is_applied_as_a_new_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        var response = harness.Sync(Phone, 1, Restore(2, "c", 37, """{"name":"Bo"}"""));

        Assert.Equal(new MutationResult { Id = 2, Status = MutationStatus.Applied, Version = 2 }, response.Results[0]);
        Assert.Equal("""{"name":"Bo"}""", Assert.Single(response.Changes).Data);
    }

    [Fact]
    public void Restore_over_an_older_record_is_applied()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a", """{"v":"old"}"""));

        var result = harness.PushOne(Laptop, Restore(1, "a", 5, """{"v":"restored"}"""));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Applied, Version = 2 }, result);
        Assert.Equal("""{"v":"restored"}""", harness.Sync(Phone, 1).Changes.Single().Data);
    }

    [Fact]
    public void Restore_over_an_older_tombstone_recreates_the_item()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Delete(2, "a"));

        var result = harness.PushOne(Laptop, Restore(1, "a", 9));

        Assert.Equal(MutationStatus.Applied, result.Status);
        Assert.False(harness.Sync(Phone, 2).Changes.Single().Deleted);
    }

    [Fact]
    public void Restore_of_the_very_version_the_server_holds_is_duplicate()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"), Put(2, "b"));

        var result = harness.PushOne(Laptop, Restore(1, "b", 2));

        Assert.Equal(new MutationResult { Id = 1, Status = MutationStatus.Duplicate, Version = 2 }, result);
        Assert.Equal(2, harness.Ledger.HeadVersion);
    }

    [Fact]
    public void Restore_older_than_the_servers_record_is_a_conflict_and_the_server_record_stays()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a", """{"v":1}"""), Put(2, "a", """{"v":2}"""));

        var result = harness.PushOne(Laptop, Restore(1, "a", 1, """{"v":"device"}"""));

        Assert.Equal(MutationStatus.Conflict, result.Status);
        Assert.Equal(2, result.Current!.Version);
        var held = harness.Sync(Phone, 0).Changes.Single();
        Assert.Equal("""{"v":2}""", held.Data);
        Assert.Equal(2, held.Version);
    }
}
