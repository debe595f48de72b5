using DeviceSync.Contracts.Operations;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// The history-loss generation (HistoryLossClock): a heal from fewer healthy replicas than it takes to intersect every
/// write quorum cannot prove every acknowledged entry survived, so it says so, durably, before any replica counts again;
/// streams opened since carry it (their owner starts a new epoch), and streams opened before refuse to write (their
/// next append would leave a hole above what storage kept). A heal that loses nothing says nothing.
/// </summary>
public sealed class HistoryLossTests
{
    [Fact]
    public async Task Two_replicas_wiped_while_the_third_lagged_heal_with_a_declared_loss_that_every_later_open_carries()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var meter = new RequestMeter();
        var store = TestStores.Create(set.ConnectionStrings, policy: meter);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 2);
        await TestStores.WaitUntilEveryReplicaHoldsAsync(store, key, 2);
        meter.FailPorts(set[2].TablePort, set[2].BlobPort);
        await TestStores.AppendManyAsync(stream, 2); // 3 and 4: acknowledged by replicas 0 and 1 only
        // The failed writes to replica 2 go on retrying (the SDK's retries) until their request times out; unblocked
        // before that, a retry delivers them after all and nothing is lost. Let them give up first.
        await Task.Delay(store.Options.ReplicaTimeout + TimeSpan.FromSeconds(1));
        meter.FailPorts();
        var idle = await TestStores.Reopen(store).OpenAsync(TestStores.NewKey()); // a stream opened before the loss
        Assert.Equal(0, idle.HistoryLossGeneration);

        await set[0].WipeAsync();
        await set[1].WipeAsync();
        var otherSilo = TestStores.Create(set.ConnectionStrings, store.Options.TablePrefix, meter);
        await otherSilo.ProbeAsync();
        Assert.Equal([0, 1], await TestStores.Sweeper(otherSilo).SweepAsync());
        Assert.Equal(1, otherSilo.HistoryLossGeneration);

        // The refilled history lacks 3 and 4, and every open says it may: on the healing silo and on a fresh one.
        var reopened = await otherSilo.OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 2), reopened.Sequences());
        Assert.Equal(1, reopened.HistoryLossGeneration);
        var fresh = TestStores.Reopen(store);
        Assert.Equal(1, (await fresh.OpenAsync(key)).HistoryLossGeneration);
        Assert.Equal(1, (await fresh.OpenAsync(TestStores.NewKey())).HistoryLossGeneration); // new streams too
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, (await otherSilo.Replicas[i].ReadMarkerAsync()).LossGeneration); // survivor and healed alike
        }

        // The writer that still remembers 3 and 4 learns of the loss at its silo's next probe and stops writing, instead
        // of appending 5 above a hole where 3 and 4 were.
        await store.ProbeAsync();
        Assert.Equal(1, store.HistoryLossGeneration);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => stream.AppendAsync(TestStores.Payload(5)));
        Assert.Equal(TestStores.Range(1, 2), (await TestStores.Reopen(otherSilo).OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task One_replica_wiped_heals_without_declaring_a_loss()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(set.ConnectionStrings);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);

        await set[1].WipeAsync();
        var otherSilo = TestStores.Reopen(store);
        await otherSilo.ProbeAsync();
        Assert.Equal([1], await TestStores.Sweeper(otherSilo).SweepAsync());

        Assert.Equal(0, otherSilo.HistoryLossGeneration);
        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
        Assert.Equal(0, reopened.HistoryLossGeneration);
        await TestStores.AppendManyAsync(stream, 1); // the writer from before the heal goes on: nothing was lost
    }
}
