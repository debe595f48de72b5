using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>
/// The mass-delete guard (docs/protocol.md): a request deleting more than half of a collection's live items and more
/// than 100 of them, or deleting right after the server told the device to resync, applies nothing until confirmed.
/// </summary>
public sealed class MassDeleteGuardTests
{
    [Fact]
    public void Deleting_more_than_half_and_more_than_the_minimum_is_held_back_and_changes_nothing()
    {
        var harness = Seeded(201);
        var head = harness.Ledger.HeadVersion;
        var journal = harness.Journal.Count;

        var result = harness.Sync("phone", head, Deletes(1000, 101));

        Assert.Equal(new MassDeleteRefusal { Reason = MassDeleteReasons.MassDelete, Deletes = 101, LiveItems = 201 }, result.Refused);
        Assert.Empty(result.Results);
        Assert.Equal(head, harness.Ledger.HeadVersion);
        Assert.Equal(journal, harness.Journal.Count); // nothing made durable
        Assert.Equal(0, harness.Ledger.MarkOf("phone")); // the mutation ids are not consumed: the device can confirm them
        Assert.Equal(head, result.Cursor); // the pull part of the request is still served
    }

    [Theory]
    [InlineData(201, 100)] // not more than the minimum
    [InlineData(300, 150)] // exactly half is not more than half
    [InlineData(40, 40)] // a small collection may be emptied in one go
    public void Deletes_below_either_threshold_apply(int items, int deletes)
    {
        var harness = Seeded(items);
        var result = harness.Sync("phone", harness.Ledger.HeadVersion, Deletes(1000, deletes));

        Assert.Null(result.Refused);
        Assert.Equal(deletes, result.Results.Count(r => r.Status == MutationStatus.Applied));
    }

    [Fact]
    public void A_confirmed_mass_delete_applies()
    {
        var harness = Seeded(201);
        var request = new SyncCollectionRequest
        {
            DeviceId = "phone", Cursor = harness.Ledger.HeadVersion, Mutations = Deletes(1000, 150), ConfirmMassDelete = true,
        };

        var plan = harness.Ledger.Plan(request, harness.Now);

        Assert.Null(plan.Refused);
        Assert.Equal(150, plan.Results.Count(r => r.Status == MutationStatus.Applied));
    }

    [Fact]
    public void Deletes_of_items_already_deleted_or_unknown_and_resent_duplicates_do_not_count()
    {
        var harness = Seeded(201);
        harness.Push("phone", Deletes(1000, 60)); // 141 live now, mark 1059
        var resent = Deletes(1000, 60); // duplicates of the applied ones
        var unknown = Enumerable.Range(0, 60).Select(i => Mutations.Delete(2000 + i, "nobody-" + i)).ToArray();

        var result = harness.Sync("phone", harness.Ledger.HeadVersion, [.. resent, .. unknown]);

        Assert.Null(result.Refused);
    }

    [Fact]
    public void Any_delete_right_after_a_resync_is_held_back_but_puts_and_restores_are_not()
    {
        var harness = Seeded(10);
        var deleteAfterResync = new SyncCollectionRequest { DeviceId = "phone", Cursor = harness.Ledger.HeadVersion, Mutations = Deletes(1000, 1) };
        var plan = harness.Ledger.Plan(deleteAfterResync, harness.Now, deviceRecentlyResynced: true);
        Assert.Equal(MassDeleteReasons.AfterResync, plan.Refused?.Reason);
        Assert.Null(plan.Change);

        var restore = new SyncCollectionRequest
        {
            DeviceId = "phone", Cursor = harness.Ledger.HeadVersion, Mutations = [Mutations.Restore(1000, "lost-1", 5)],
        };
        Assert.Null(harness.Ledger.Plan(restore, harness.Now, deviceRecentlyResynced: true).Refused);
        Assert.Null(harness.Ledger.Plan(deleteAfterResync with { ConfirmMassDelete = true }, harness.Now, deviceRecentlyResynced: true).Refused);
    }

    [Fact]
    public void The_thresholds_come_from_the_sync_policy()
    {
        var harness = Seeded(20, new SyncPolicy { MassDeleteMinimum = 5, MassDeleteShare = 0.25 });
        Assert.NotNull(harness.Sync("phone", harness.Ledger.HeadVersion, Deletes(1000, 6)).Refused);
        Assert.Null(harness.Sync("phone", harness.Ledger.HeadVersion, Deletes(2000, 5)).Refused);
    }

    private static LedgerHarness Seeded(int items, SyncPolicy? policy = null)
    {
        var harness = new LedgerHarness(policy);
        for (var i = 0; i < items; i += 100)
        {
            harness.Push("seed", [.. Enumerable.Range(i, Math.Min(100, items - i)).Select(n => Mutations.Put(n + 1, "item-" + n))]);
        }

        return harness;
    }

    private static Mutation[] Deletes(long firstId, int count) =>
        [.. Enumerable.Range(0, count).Select(n => Mutations.Delete(firstId + n, "item-" + n))];
}
