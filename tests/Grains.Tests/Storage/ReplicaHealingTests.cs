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

    /// <summary>
    /// Every silo that touches a wiped replica notices the loss, and some of the answers that say so arrive after another
    /// silo has marked the replica unhealed and created its table again. Such a late notice must leave the mark as it is:
    /// a sweep begun after the first mark heals on the mark's version, and rewriting it voided that heal. Under load that
    /// wasted a whole sweep (FaultMatrixTests' one-replica-wiped case: 19 s of its 36 s heal).
    /// </summary>
    [Fact]
    public async Task A_silo_that_notices_a_wipe_after_another_silo_marked_it_does_not_void_the_heal()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        var key = TestStores.NewKey();
        var idle = TestStores.NewKey("calendar"); // not written after the wipe: the sweep repairs it
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);
        await TestStores.AppendManyAsync(await store.OpenAsync(idle), 2);
        var meter = new RequestMeter();
        var lateSilo = TestStores.Reopen(store, meter);
        await lateSilo.ProbeAsync(); // it has seen replica 1's table, so it will not create it before asking

        await store.Replicas[1].Table.DeleteAsync();
        var answered = new TaskCompletionSource();
        var deliver = new TaskCompletionSource();
        meter.AfterNext(
            m => m.Request.Uri.Port == set[1].TablePort,
            async () =>
            {
                answered.SetResult();
                await deliver.Task;
            });
        var lateNotice = lateSilo.Replicas[1].HoldsAnyDataAsync(); // answered "no such table", held up on its way
        await answered.Task.WaitAsync(TestStores.Deadline);

        await TestStores.AppendManyAsync(stream, 1); // this silo notices, creates the table again and marks replica 1
        await Eventually.WaitAsync(
            async () => (await TestStores.Reopen(store).Replicas[1].ReadMarkerAsync()).RowState == ReplicaState.Unhealed,
            TestStores.Deadline,
            "the append to replica 1 found its table gone and marked it unhealed");

        // The late answer arrives while the sweep, which read that mark, repairs.
        var sweeper = TestStores.Sweeper(store, async (streamKey, token) =>
        {
            if (deliver.TrySetResult())
            {
                await lateNotice;
            }

            return await store.RepairAsync(streamKey, token);
        });
        var healed = await sweeper.SweepAsync();

        Assert.True(
            lateNotice.IsCompletedSuccessfully,
            $"the late notice was delivered during the sweep ({lateNotice.Status}; streams behind: {sweeper.Progress.StreamsBehind})");
        Assert.Equal(ReplicaState.Unhealed, lateSilo.Replicas[1].Health.State); // it did notice
        Assert.Equal(new[] { 1 }, healed);
        await lateSilo.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, lateSilo.Replicas[1].Health.State);
        Assert.Equal(TestStores.Range(1, 4), await TestStores.RowSequencesAsync(store, 1, key));
        Assert.Equal(TestStores.Range(1, 2), await TestStores.RowSequencesAsync(store, 1, idle));
    }

    /// <summary>
    /// A healthy marker row is still replaced when a silo finds the replica's table gone: a loss is never left unmarked.
    /// (The row of a wiped table goes with it; here the blob container goes, which a silo notices the same way.)
    /// </summary>
    [Fact]
    public async Task A_replica_marked_healthy_is_marked_unhealed_when_a_silo_finds_its_container_gone()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        await store.ProbeAsync();
        var before = await store.Replicas[2].ReadMarkerAsync();
        Assert.Equal(ReplicaState.Healthy, before.State);

        await store.Replicas[2].Container.DeleteAsync();
        await store.Replicas[2].HoldsAnyDataAsync(); // this silo created the container earlier, so it asks and is told it is gone

        var after = await TestStores.Reopen(store).Replicas[2].ReadMarkerAsync();
        Assert.Equal(ReplicaState.Unhealed, after.RowState);
        Assert.Equal("blob container was missing", after.Reason);
    }

    /// <summary>The sweeper repairs a few streams at once (a repair waits on the stream's grain and every replica), never
    /// more than <c>MaxConcurrentRepairs</c>, and heals the replica once all of them are repaired.</summary>
    [Fact]
    public async Task The_sweeper_repairs_several_streams_at_once_up_to_its_limit()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings);
        var keys = Enumerable.Range(0, 8).Select(i => TestStores.NewKey("c" + i)).ToArray();
        foreach (var key in keys)
        {
            await TestStores.AppendManyAsync(await store.OpenAsync(key), 2);
        }

        await set[0].WipeAsync();
        var inFlight = 0;
        var mostAtOnce = 0;
        var sweeper = TestStores.Sweeper(
            TestStores.Reopen(store),
            async (streamKey, token) =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref mostAtOnce, now);
                try
                {
                    await Task.Delay(200, token); // a repair that waits, as one through a busy grain does
                    return await store.RepairAsync(streamKey, token);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            },
            maxConcurrentRepairs: 3);

        var healed = await sweeper.SweepAsync();

        Assert.Equal(3, mostAtOnce);
        Assert.Equal(new[] { 0 }, healed);
        Assert.Equal(8, sweeper.Progress.StreamsRepaired);
        Assert.Equal(8, sweeper.Progress.StreamsChecked);
        foreach (var key in keys)
        {
            Assert.Equal(TestStores.Range(1, 2), await TestStores.RowSequencesAsync(store, 0, key));
        }

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    /// <summary>
    /// A replica lost after a sweep read the markers cannot be healed by that sweep (its heal is conditional on them).
    /// The sweeper says so (<see cref="ReplicaSweeper.CannotHeal"/>), and the sweep can be ended early: it heals nothing,
    /// reports "ended early" instead of failing, and the next sweep heals the replica.
    /// </summary>
    [Fact]
    public async Task A_sweep_ended_early_for_a_replica_lost_meanwhile_heals_nothing_and_the_next_heals_it()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var meter = new RequestMeter();
        var store = TestStores.Create(GroupCommit, set.ConnectionStrings, policy: meter);
        var keys = Enumerable.Range(0, 3).Select(i => TestStores.NewKey("c" + i)).ToArray();
        await store.ProbeAsync(); // first start with every replica answering: all healthy
        meter.FailPorts(set[1].TablePort, set[1].BlobPort); // replica 1 lags on every stream: the sweep has repairs to do
        foreach (var key in keys)
        {
            await TestStores.AppendManyAsync(await store.OpenAsync(key), 2);
        }

        meter.FailPorts();
        using var endEarly = new CancellationTokenSource();
        ReplicaSweeper? sweeper = null;
        var verdicts = new List<bool>();
        sweeper = TestStores.Sweeper(
            store,
            async (streamKey, token) =>
            {
                if (verdicts.Count == 0)
                {
                    verdicts.Add(sweeper!.CannotHeal(2, DateTimeOffset.UtcNow)); // healthy when the sweep began: not its to heal
                    await store.Replicas[2].Table.DeleteAsync(token);
                    await store.Replicas[2].HoldsAnyDataAsync(); // a silo finds replica 2's table gone and marks it
                    var since = store.Replicas[2].Health.Snapshot().Since!.Value;
                    verdicts.Add(sweeper.CannotHeal(2, since));
                    verdicts.Add(sweeper.CannotHeal(2, since.AddHours(-1))); // lost before the sweep began: it read that
                    await endEarly.CancelAsync();
                }

                return await store.RepairAsync(streamKey, token);
            },
            maxConcurrentRepairs: 1);

        var first = await sweeper.SweepAsync(endEarly: endEarly.Token);

        Assert.Equal([true, true, false], verdicts);
        Assert.Empty(first);
        Assert.Equal("ended early", sweeper.Progress.LastOutcome);
        Assert.Null(sweeper.Progress.LastCompletedAt);
        Assert.False(sweeper.CannotHeal(2, DateTimeOffset.UtcNow.AddHours(1)), "no sweep under way");

        Assert.Equal(new[] { 2 }, await sweeper.SweepAsync());
        Assert.Equal("completed", sweeper.Progress.LastOutcome);
        foreach (var key in keys)
        {
            Assert.Equal(TestStores.Range(1, 2), await TestStores.RowSequencesAsync(store, 1, key));
            Assert.Equal(TestStores.Range(1, 2), await TestStores.RowSequencesAsync(store, 2, key));
        }
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
