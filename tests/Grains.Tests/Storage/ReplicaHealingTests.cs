using Azure.Data.Tables;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// Replica identity (a wiped replica does not count toward the quorums until healed) and the background sweeper.
/// Each test damages replicas, so each has its own Azurite set.
/// </summary>
public class ReplicaHealingTests
{
    /// <summary>True in <see cref="ReplicaHealingTestsInGroupCommitLayout"/>: the same tests on journal layout 2 with batched appends.</summary>
    protected virtual bool GroupCommit => false;

    [Fact]
    public async Task A_fresh_store_marks_every_replica_healthy_on_first_start()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);

        await store.ProbeAsync();

        Assert.All(store.Health, h => Assert.Equal(ReplicaState.Healthy, h.State));
        for (var i = 0; i < 3; i++)
        {
            var marker = await store.Replicas[i].ReadMarkerAsync();
            Assert.Equal(ReplicaState.Healthy, marker.State);
        }

        // A second silo's store finds the markers and agrees, without initialising anything again.
        var other = TestStores.Reopen(store);
        await other.ProbeAsync();
        Assert.All(other.Health, h => Assert.Equal(ReplicaState.Healthy, h.State));
    }

    [Fact]
    public async Task A_replica_that_lost_its_marker_while_no_silo_ran_is_not_initialised_again_as_healthy()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        var key = TestStores.NewKey();
        await TestStores.AppendManyAsync(await store.OpenAsync(key), 3);

        await set[1].WipeAsync(); // every silo down; replica 1 replaced by an empty one

        var restarted = TestStores.Reopen(store);
        await restarted.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, restarted.Health[0].State);
        Assert.Equal(ReplicaState.Unhealed, restarted.Health[1].State);
        Assert.Equal(ReplicaState.Healthy, restarted.Health[2].State);
        Assert.Equal(TestStores.Range(1, 3), (await restarted.OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task An_entry_acknowledged_by_two_replicas_is_not_lost_when_one_of_them_is_wiped()
    {
        // N = 3, W = 2, R = 2. Entry 3 is acknowledged by replicas 0 and 2 while replica 1 fails; then replica 0 is wiped.
        // An open that hears only from replicas 0 and 1 would see entries 1-2 and nothing more: an acknowledged write lost,
        // and the next append would take its sequence. Replica 0 must not count toward R.
        await using var set = await AzuriteReplicaSet.StartAsync();
        var meter = new RequestMeter();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings, policy: meter);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 2);
        await TestStores.WaitUntilEveryReplicaHoldsAsync(store, key, 2);
        meter.FailPorts(set[1].TablePort, set[1].BlobPort);
        await TestStores.AppendManyAsync(stream, 1);
        meter.FailPorts();
        Assert.Equal(TestStores.Range(1, 2), await TestStores.RowSequencesAsync(TestStores.Reopen(store), 1, key));

        await set[0].WipeAsync();
        meter.FailPorts(set[2].TablePort, set[2].BlobPort);
        var otherSilo = TestStores.Create(GroupCommit, set.ConnectionStrings, store.Options.TablePrefix, meter);
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => otherSilo.OpenAsync(key));
        Assert.Contains("1 healthy storage replicas answered", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.OpenAsync(key)); // this silo too: it sees the table gone

        meter.FailPorts();
        var reopened = await otherSilo.OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
        Assert.Equal(TestStores.Payload(3), reopened.Entries[^1].Payload.ToArray());
        await TestStores.AppendManyAsync(reopened, 1);
        Assert.Equal(TestStores.Range(1, 4), (await TestStores.Reopen(store).OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task A_replica_whose_table_is_deleted_takes_appends_is_unhealed_and_the_sweeper_heals_it()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        var busy = TestStores.NewKey();
        var idle = TestStores.NewKey("calendar");
        var compacted = TestStores.NewKey("notes");
        var stream = await store.OpenAsync(busy);
        await TestStores.AppendManyAsync(stream, 3);
        await TestStores.AppendManyAsync(await store.OpenAsync(idle), 4);
        var snapshotted = await store.OpenAsync(compacted);
        await TestStores.AppendManyAsync(snapshotted, 5);
        await snapshotted.WriteSnapshotAsync(new byte[] { 5 });
        await TestStores.AppendManyAsync(snapshotted, 1);

        await store.Replicas[1].Table.DeleteAsync();
        await TestStores.AppendManyAsync(stream, 2); // no failure: acknowledged by replicas 0 and 2

        await Eventually.WaitAsync(
            () => store.Replicas[1].Health.State == ReplicaState.Unhealed,
            TestStores.Deadline,
            "the append to replica 1 (in the background once W acknowledged) found its table gone");
        var otherSilo = TestStores.Reopen(store);
        await otherSilo.ProbeAsync();
        Assert.Equal(ReplicaState.Unhealed, otherSilo.Replicas[1].Health.State); // said so on the replica itself

        var sweeper = TestStores.Sweeper(otherSilo);
        var healed = await sweeper.SweepAsync();

        Assert.Equal(new[] { 1 }, healed);
        Assert.Equal(3, sweeper.Progress.StreamsTotal);
        Assert.Equal(0, sweeper.Progress.RepairsFailed);
        Assert.NotNull(sweeper.Progress.LastCompletedAt);
        Assert.Equal(TestStores.Range(1, 5), await TestStores.RowSequencesAsync(otherSilo, 1, busy));
        Assert.Equal(TestStores.Range(1, 4), await TestStores.RowSequencesAsync(otherSilo, 1, idle));
        Assert.Equal([6L], await TestStores.RowSequencesAsync(otherSilo, 1, compacted));
        Assert.Single(await TestStores.SnapshotBlobsAsync(otherSilo, 1, compacted));
        Assert.True(otherSilo.Replicas[1].Health.Snapshot().StreamsBehind >= 2, "the sweep counted what replica 1 lacked (the idle streams at least; the writer may have caught the busy one up)");
        await store.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, store.Replicas[1].Health.State);

        // Healed, it counts again: without replica 0, replicas 1 and 2 serve every stream.
        set[0].Pause();
        try
        {
            var withoutZero = TestStores.Reopen(store);
            Assert.Equal(TestStores.Range(1, 5), (await withoutZero.OpenAsync(busy)).Sequences());
            Assert.Equal(TestStores.Range(1, 4), (await withoutZero.OpenAsync(idle)).Sequences());
            var reopened = await withoutZero.OpenAsync(compacted);
            Assert.Equal(5, reopened.Snapshot?.Sequence);
            Assert.Equal([6L], reopened.Sequences());
        }
        finally
        {
            set[0].Resume();
        }

        // A second sweep finds nothing behind.
        Assert.Empty(await sweeper.SweepAsync());
        Assert.True(
            sweeper.Progress.StreamsBehind == 0,
            $"behind: {string.Join(", ", otherSilo.Health.Select(h => $"replica {h.Replica}: {h.Snapshot().StreamsBehind}"))}");
    }

    [Fact]
    public async Task A_replica_killed_and_restarted_catches_up_through_the_sweeper_on_streams_nobody_writes_to()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        var keys = Enumerable.Range(0, 4).Select(i => TestStores.NewKey("c" + i)).ToArray();
        var streams = new List<JournalStream>();
        foreach (var key in keys)
        {
            var stream = await store.OpenAsync(key);
            await TestStores.AppendManyAsync(stream, 2);
            streams.Add(stream);
        }

        set[2].Kill();
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 3); // acknowledged by replicas 0 and 1
        }

        await set[2].RestartAsync();
        var sweeper = TestStores.Sweeper(TestStores.Reopen(store));
        await sweeper.SweepAsync();

        Assert.True(sweeper.Progress.StreamsBehind >= keys.Length, $"{sweeper.Progress.StreamsBehind} streams found behind");
        Assert.Equal(0, sweeper.Progress.RepairsFailed);
        foreach (var key in keys)
        {
            Assert.Equal(TestStores.Range(1, 5), await TestStores.RowSequencesAsync(store, 2, key));
        }

        await store.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, store.Replicas[2].Health.State); // whether or not the kill took its marker
    }
}
