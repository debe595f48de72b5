using System.Globalization;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Sync;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// A 100,000-item collection works end to end on real storage: written in full-size requests, snapshotted and
/// compacted along the way, reloaded from storage after a cluster restart, and read back page by page.
/// </summary>
public sealed class LargeCollectionTests : IAsyncLifetime
{
    private const int ItemCount = 100_000;
    private readonly GrainCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_100000_item_collection_is_written_reloaded_and_read_back_in_full()
    {
        var key = CollectionKey.Format(NewAccount(), "photos");
        var grain = _cluster.Grains.GetGrain<ICollectionGrain>(key);
        long mutationId = 0;
        long? cursor = null;
        for (var batch = 0; batch < ItemCount / SyncLimits.MaxMutationsPerCollection; batch++)
        {
            var puts = Enumerable.Range(0, SyncLimits.MaxMutationsPerCollection).Select(_ =>
            {
                mutationId++;
                var id = mutationId.ToString("D6", CultureInfo.InvariantCulture);
                return Put(mutationId, "p-" + id, $$"""{"file":"IMG_{{id}}.jpg","album":"holiday"}""", 0);
            }).ToArray();
            var result = await grain.SyncAsync(new SyncCollectionRequest { DeviceId = "dev-a", Cursor = cursor, Limit = 1, Mutations = puts });
            Assert.All(result.Results, r => Assert.Equal(MutationStatus.Applied, r.Status));
            cursor = result.Results[^1].Version;
        }

        await _cluster.RestartClusterAsync();

        grain = _cluster.Grains.GetGrain<ICollectionGrain>(key);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long? readCursor = null;
        var lastVersion = 0L;
        while (true)
        {
            var page = await grain.SyncAsync(Request("dev-b", readCursor));
            Assert.Null(page.Resync);
            foreach (var change in page.Changes)
            {
                Assert.True(change.Version > lastVersion, "changes come in ascending version order");
                lastVersion = change.Version;
                Assert.True(seen.Add(change.ItemId), $"{change.ItemId} listed twice");
            }

            readCursor = page.Cursor;
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(ItemCount, seen.Count);
        Assert.Equal(cursor, readCursor);
    }
}
