using DeviceSync.Contracts;
using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// Two activations of one collection (possible for a moment when silos disagree on membership) must not both
/// commit the same journal sequence: the conditional insert refuses the second, which reloads and decides again.
/// </summary>
public sealed class FencingTests(GrainCluster cluster) : IClassFixture<GrainCluster>
{
    [Fact]
    public async Task A_write_by_a_duplicate_activation_fences_the_other_and_neither_write_is_lost()
    {
        var account = NewAccount();
        var grain = cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(account, "photos"));
        await grain.SyncAsync(Request("dev-a", null, Put(1, "p-1", """{"n":1}""")));

        // A second writer, as another activation would, appends the next sequence behind the live activation's back.
        var stream = await cluster.JournalStore().OpenAsync(JournalStreams.ForCollection(account, "photos"));
        var ledger = new CollectionLedger("photos", new SyncPolicy());
        foreach (var entry in stream.Entries)
        {
            ledger.Apply(CollectionCodec.DecodeChange(entry.Payload.Span));
        }

        var rival = ledger.Plan(Request("dev-b", null, Put(1, "p-2", """{"n":2}""")), DateTimeOffset.UtcNow);
        await stream.AppendAsync(CollectionCodec.EncodeChange(rival.Change!));

        // The live activation's next append collides with that sequence; it must reload instead of overwriting.
        var result = await grain.SyncAsync(Request("dev-a", null, Put(2, "p-3", """{"n":3}""")));
        Assert.Equal(MutationStatus.Applied, result.Results.Single().Status);

        var all = await grain.SyncAsync(Request("dev-c", null));
        Assert.Equal(["p-1", "p-2", "p-3"], all.Changes.Select(c => c.ItemId));
        Assert.Equal(3, all.Changes.Select(c => c.Version).Distinct().Count());
    }

    [Fact]
    public async Task Mutations_of_one_device_apply_once_however_often_they_are_resent()
    {
        var grain = cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(NewAccount(), "notes"));
        var request = Request("dev-a", null, Put(7, "n-1", """{"a":1}"""), Put(8, "n-2", """{"b":2}"""));
        var first = await grain.SyncAsync(request);
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => grain.SyncAsync(request)));

        Assert.All(first.Results, r => Assert.Equal(MutationStatus.Applied, r.Status));
        Assert.All(again.SelectMany(r => r.Results), r => Assert.Equal(MutationStatus.Duplicate, r.Status));
        var all = await grain.SyncAsync(Request("dev-b", null));
        Assert.Equal(2, all.Changes.Count);
        Assert.Equal(first.Results.Max(r => r.Version), all.Cursor);
    }
}
