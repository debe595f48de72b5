using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class ResyncTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";
    private const string Tablet = "tablet";

    [Fact]
    public void A_null_cursor_on_a_new_collection_is_served_from_the_beginning()
    {
        var response = new LedgerHarness().Sync(Phone, null);

        Assert.Null(response.Resync);
        Assert.Equal(0, response.Cursor);
    }

    [Fact]
    public void A_cursor_within_the_current_epoch_is_served_as_a_delta()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, 3);

        Assert.Null(response.Resync);
        Assert.Equal([4L, 5L], response.Changes.Select(c => c.Version));
    }

    [Fact]
    public void A_cursor_ahead_of_the_head_is_server_behind_with_the_head_as_safe_version()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, 9);

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = 5 }, response.Resync);
    }

    [Fact]
    public void A_resync_response_carries_no_changes_and_a_null_cursor()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, 9);

        Assert.Empty(response.Changes);
        Assert.Null(response.Cursor);
        Assert.False(response.HasMore);
    }

    [Fact]
    public void Server_behind_starts_a_new_epoch_and_records_where_the_old_one_was_cut()
    {
        var harness = FiveItems();

        harness.Sync(Laptop, 9);

        Assert.Equal(1, harness.Ledger.CurrentEpoch);
        Assert.Equal(5, harness.Ledger.EpochCuts[0]);
        Assert.Equal(5, harness.Ledger.HeadVersion);
    }

    [Fact]
    public void Server_behind_is_persisted_even_without_mutations()
    {
        var harness = FiveItems();

        var plan = harness.Ledger.Plan(new SyncCollectionRequest { DeviceId = Laptop, Cursor = 9 }, harness.Now);

        Assert.Equal(new EpochStart { Epoch = 1, CutVersion = 5 }, plan.Change?.NewEpoch);
    }

    [Fact]
    public void Mutations_of_a_server_behind_request_are_applied_in_the_new_epoch()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, 9, Put(1, "new"), Restore(2, "lost", 8));

        Assert.Equal(
            [Versions.Compose(1, 1), Versions.Compose(1, 2)],
            response.Results.Select(r => r.Version!.Value));
        Assert.All(response.Results, r => Assert.Equal(MutationStatus.Applied, r.Status));
        Assert.NotNull(response.Resync);
    }

    [Fact]
    public void Versions_a_device_saw_are_never_reused_after_server_behind()
    {
        var harness = FiveItems();
        const long DeviceSaw = 9;

        harness.Sync(Laptop, DeviceSaw);
        var after = harness.Push(Phone, Put(10, "x"), Put(11, "y"));

        Assert.All(after, r => Assert.True(r.Version > DeviceSaw));
        Assert.Equal(Versions.Compose(1, 1), after[0].Version);
    }

    [Fact]
    public void A_cursor_from_an_epoch_the_server_never_saw_is_server_behind_with_safe_version_zero()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, Versions.Compose(3, 7));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = 0 }, response.Resync);
    }

    [Fact]
    public void A_cursor_from_an_unseen_epoch_moves_the_collection_past_that_epoch()
    {
        var harness = FiveItems();

        harness.Sync(Laptop, Versions.Compose(3, 7));
        var next = harness.PushOne(Phone, Put(10, "x"));

        Assert.Equal(4, harness.Ledger.CurrentEpoch);
        Assert.Equal(Versions.Compose(4, 1), next.Version);
        Assert.Equal(5, harness.Ledger.EpochCuts[0]);
    }

    [Fact]
    public void An_older_epoch_cursor_at_or_below_the_cut_is_served_as_a_delta_across_epochs()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9, Put(1, "new"));

        var atCut = harness.Sync(Tablet, 5);
        var belowCut = harness.Sync(Tablet, 3);

        Assert.Null(atCut.Resync);
        Assert.Equal([Versions.Compose(1, 1)], atCut.Changes.Select(c => c.Version));
        Assert.Equal([4L, 5L, Versions.Compose(1, 1)], belowCut.Changes.Select(c => c.Version));
        Assert.Equal(Versions.Compose(1, 1), belowCut.Cursor);
    }

    [Fact]
    public void An_older_epoch_cursor_beyond_the_cut_is_epoch_changed_with_the_cut_as_safe_version()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9);

        var response = harness.Sync(Tablet, 7);

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 5 }, response.Resync);
        Assert.Empty(response.Changes);
        Assert.Null(response.Cursor);
    }

    [Fact]
    public void Epoch_changed_starts_no_new_epoch()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9);

        var plan = harness.Ledger.Plan(new SyncCollectionRequest { DeviceId = Tablet, Cursor = 7 }, harness.Now);

        Assert.Null(plan.Change);
        Assert.Equal(1, harness.Ledger.CurrentEpoch);
    }

    [Fact]
    public void Mutations_of_an_epoch_changed_request_are_still_applied_in_order()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9);

        var response = harness.Sync(Tablet, 7, Put(1, "t1"), Put(2, "t1", baseVersion: Versions.Compose(1, 1)));

        Assert.Equal([Versions.Compose(1, 1), Versions.Compose(1, 2)], response.Results.Select(r => r.Version!.Value));
        Assert.Equal(ResyncReason.EpochChanged, response.Resync!.Reason);
    }

    [Fact]
    public void A_retried_server_behind_request_gets_epoch_changed_and_no_second_epoch()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9, Put(1, "new"));

        var retry = harness.Sync(Laptop, 9, Put(1, "new"));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 5 }, retry.Resync);
        Assert.Equal(MutationStatus.Duplicate, retry.Results[0].Status);
        Assert.Equal(1, harness.Ledger.CurrentEpoch);
    }

    [Fact]
    public void A_cursor_in_an_epoch_skipped_by_a_jump_is_epoch_changed_with_safe_version_zero()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, Versions.Compose(3, 7));

        var response = harness.Sync(Tablet, Versions.Compose(2, 5));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 0 }, response.Resync);
    }

    [Fact]
    public void Server_behind_in_an_epoch_that_assigned_nothing_has_safe_version_zero()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9);

        var response = harness.Sync(Tablet, Versions.Compose(1, 3));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = 0 }, response.Resync);
        Assert.Equal(2, harness.Ledger.CurrentEpoch);
        Assert.Equal(5, harness.Ledger.EpochCuts[1]);
    }

    [Fact]
    public void An_epoch_that_assigned_nothing_reports_safe_version_zero_to_later_cursors_of_it()
    {
        var harness = FiveItems();
        harness.Sync(Laptop, 9);
        harness.Sync(Tablet, Versions.Compose(1, 3));

        var response = harness.Sync(Phone, Versions.Compose(1, 2));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 0 }, response.Resync);
    }

    [Fact]
    public void After_server_behind_the_device_recovers_by_restoring_and_pulling_from_null()
    {
        var harness = FiveItems();
        var resync = harness.Sync(Laptop, 9).Resync!;

        // The device uploads what it holds above safeVersion (items at versions 6..9 the server lost).
        var restored = harness.Sync(
            Laptop, null, [.. Enumerable.Range(6, 4).Select(v => Restore(100 + v, $"lost-{v}", v))]);

        Assert.Equal(5, resync.SafeVersion);
        Assert.All(restored.Results, r => Assert.Equal(MutationStatus.Applied, r.Status));
        Assert.Null(restored.Resync);
        Assert.Equal(9, restored.Changes.Count);
        Assert.Equal(Versions.Compose(1, 4), restored.Cursor);
    }

    [Fact]
    public void A_cursor_at_the_top_of_the_version_space_moves_to_the_last_epoch_and_versions_stay_below_2_pow_53()
    {
        var harness = FiveItems();

        var response = harness.Sync(Laptop, SyncLimits.MaxSafeInteger, Put(1, "x"));

        Assert.Equal(new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = 0 }, response.Resync);
        Assert.Equal(ResyncPolicy.MaxEpoch, harness.Ledger.CurrentEpoch);
        Assert.Equal(Versions.Compose(ResyncPolicy.MaxEpoch, 1), response.Results[0].Version);
        Assert.True(response.Results[0].Version <= SyncLimits.MaxSafeInteger);
    }

    [Fact]
    public void Resync_judging_table()
    {
        var cuts = new Dictionary<long, long> { [0] = 5, [1] = 5, [2] = Versions.Compose(2, 9) };
        var head = Versions.Compose(3, 4);

        Assert.Null(ResyncPolicy.Judge(null, head, 3, 0, cuts).Resync);
        Assert.Null(ResyncPolicy.Judge(Versions.Compose(3, 4), head, 3, 0, cuts).Resync);
        Assert.Null(ResyncPolicy.Judge(Versions.Compose(2, 9), head, 3, 0, cuts).Resync);
        Assert.Null(ResyncPolicy.Judge(4, head, 3, 0, cuts).Resync);
        Assert.Equal((ResyncReason.ServerBehind, head), Reason(ResyncPolicy.Judge(Versions.Compose(3, 5), head, 3, 0, cuts)));
        Assert.Equal((ResyncReason.EpochChanged, Versions.Compose(2, 9)), Reason(ResyncPolicy.Judge(Versions.Compose(2, 10), head, 3, 0, cuts)));
        Assert.Equal((ResyncReason.EpochChanged, 0L), Reason(ResyncPolicy.Judge(Versions.Compose(1, 1), head, 3, 0, cuts)));
        Assert.Equal((ResyncReason.ServerBehind, 0L), Reason(ResyncPolicy.Judge(Versions.Compose(7, 1), head, 3, 0, cuts)));
        Assert.Equal(8, ResyncPolicy.Judge(Versions.Compose(7, 1), head, 3, 0, cuts).NewEpoch!.Epoch);
        Assert.Equal(4, ResyncPolicy.Judge(Versions.Compose(3, 5), head, 3, 0, cuts).NewEpoch!.Epoch);
        Assert.Null(ResyncPolicy.Judge(Versions.Compose(2, 10), head, 3, 0, cuts).NewEpoch);
    }

    private static (ResyncReason, long) Reason(CursorVerdict verdict) =>
        (verdict.Resync!.Reason, verdict.Resync.SafeVersion);

    private static LedgerHarness FiveItems()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, [.. Enumerable.Range(1, 5).Select(i => Put(i, $"item-{i}"))]);
        return harness;
    }
}
