using Azure.Data.Tables;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Replicas;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Tests.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// The cluster's sweeper grain ends a sweep early when a silo reports a replica lost after that sweep read the markers
/// (the sweep could not heal it), and starts the next at once, which heals it. Without that, the replica waited for the
/// rest of the sweep under way and then a whole sweep more; a sweep that refills many streams takes minutes to hours.
/// </summary>
public sealed class SweepEndedEarlyTests
{
    [Fact]
    public async Task A_replica_lost_during_a_sweep_ends_that_sweep_and_the_next_heals_it()
    {
        var cluster = new GrainCluster(new Dictionary<string, string>
        {
            ["Storage:Sweep:Interval"] = "00:00:05",
            ["Storage:Sweep:ProbeInterval"] = "00:00:00.2",
            ["Storage:Sweep:MaxRepairsPerSecond"] = "1", // a slow sweep, so the loss lands in the middle of one
            ["Storage:Sweep:MaxConcurrentRepairs"] = "1",
        });
        await cluster.InitializeAsync();
        try
        {
            // Streams no grain writes (the sweeper repairs them through the store), each missing from replica 1: lagging
            // streams for a sweep to repair, one a second.
            var store = cluster.JournalStore();
            var keys = Enumerable.Range(0, 12).Select(i => $"sweep-test/{Guid.NewGuid():N}").ToArray();
            foreach (var key in keys)
            {
                await TestStores.AppendManyAsync(await store.OpenAsync(key), 1);
            }

            await TestStores.WaitUntilEveryReplicaHoldsAsync(store, keys[^1], 1);
            foreach (var key in keys)
            {
                var replica = store.Replicas[1];
                await foreach (var row in replica.Table.QueryAsync<TableEntity>(replica.Layout.StreamFilter(StreamKeyEncoding.Encode(key))))
                {
                    await replica.Table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
                }
            }

            var sweeper = cluster.Grains.GetGrain<IReplicaSweeperGrain>(0);
            // A sweep repairing them with at least 4 s of that left (one begun during the deletions above finds only some
            // streams behind, and may end before the loss below is reported; the next finds the rest).
            await Eventually.WaitAsync(
                async () => (await sweeper.GetHealthAsync()).Sweep is { Running: true, StreamsRepaired: > 0 } sweep
                    && sweep.StreamsBehind - sweep.StreamsRepaired - sweep.RepairsFailed >= 4,
                TestStores.Deadline,
                "a sweep repairing replica 1");

            // Replica 2 loses its table in the middle of that sweep, and a write notices.
            await store.Replicas[2].Table.DeleteAsync();
            await TestStores.AppendManyAsync(await store.OpenAsync(keys[0]), 1);

            ReplicaHealthOverview? view = null;
            await Eventually.WaitAsync(
                async () => (view = await sweeper.GetHealthAsync()).Sweep.LastOutcome == "ended early",
                TestStores.Deadline,
                $"the sweep under way ended early: {view?.Sweep.LastOutcome}");

            // Healed: its marker, lost with its table and written again as unhealed, says healthy, and only a sweep's heal
            // writes that. (Not the overview's LastHealed: a sweep that a silo's stale "unhealed" report starts right after
            // the heal replaces it at once; nor the overview's states alone: they are the sweeper's silo's view, which can
            // still say healthy from before the loss. Both made this test fail under CI load.)
            await Eventually.WaitAsync(
                async () => (await store.Replicas[2].ReadMarkerAsync()).State == ReplicaState.Healthy,
                TimeSpan.FromSeconds(60),
                "the next sweep healed replica 2");
            await Eventually.WaitAsync(
                async () => (view = await sweeper.GetHealthAsync()).Replicas.All(r => r.State == ReplicaHealthState.Healthy),
                TimeSpan.FromSeconds(30),
                "the sweeper's overview shows every replica healthy");
            foreach (var key in keys)
            {
                Assert.NotEmpty(await TestStores.RowSequencesAsync(store, 1, key));
                Assert.NotEmpty(await TestStores.RowSequencesAsync(store, 2, key));
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
