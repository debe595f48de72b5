using System.Collections.Concurrent;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Events;
using DeviceSync.Testing;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// The silo side of change events (docs/adr/0006-change-events.md) on a real 2-silo cluster with Azurite storage: a
/// commit or a revocation reaches a subscribed observer; bursts are coalesced without losing the latest version; and a
/// subscriber that names a lost activation gets what the new one has seen replayed.
/// </summary>
public sealed class AccountEventsTests(GrainCluster cluster) : IClassFixture<GrainCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_commit_reaches_a_subscribed_observer_with_its_version()
    {
        var account = NewAccount();
        var observer = new RecordingObserver();
        var reference = cluster.Grains.CreateObjectReference<IAccountEventsObserver>(observer);
        await cluster.Grains.GetGrain<IAccountEventsGrain>(account).SubscribeAsync(reference, TimeSpan.FromMinutes(1), null);

        var version = await PutAsync(account, "contacts", 1);

        await Eventually.WaitAsync(() => observer.Latest(account, "contacts") == version, Deadline, "the commit's event did not arrive");
    }

    [Fact]
    public async Task A_burst_of_commits_is_coalesced_and_its_last_version_arrives()
    {
        var account = NewAccount();
        var observer = new RecordingObserver();
        var reference = cluster.Grains.CreateObjectReference<IAccountEventsObserver>(observer);
        await cluster.Grains.GetGrain<IAccountEventsGrain>(account).SubscribeAsync(reference, TimeSpan.FromMinutes(1), null);

        // Notifications as a busy collection sends them, far faster than the 250 ms coalescing interval.
        var events = cluster.Grains.GetGrain<IAccountEventsGrain>(account);
        for (var version = 1; version <= 50; version++)
        {
            await events.CollectionChangedAsync("tasks", version);
        }

        await Eventually.WaitAsync(() => observer.Latest(account, "tasks") == 50, Deadline, "the last version was not announced");
        var announced = observer.Changes(account, "tasks");
        Assert.InRange(announced.Count, 1, 10);
        Assert.Equal(announced.Order(), announced);
    }

    [Fact]
    public async Task A_subscriber_that_names_a_lost_activation_gets_what_the_new_one_has_seen()
    {
        var account = NewAccount();
        var observer = new RecordingObserver();
        var reference = cluster.Grains.CreateObjectReference<IAccountEventsObserver>(observer);
        var events = cluster.Grains.GetGrain<IAccountEventsGrain>(account);

        // Changes and a revocation reach an activation nobody is subscribed to (the gateway's subscription was lost).
        await events.CollectionChangedAsync("notes", 7);
        await events.CollectionChangedAsync("calendar", 3);
        await events.DeviceRevokedAsync("lost-phone");

        var first = await events.SubscribeAsync(reference, TimeSpan.FromMinutes(1), Guid.NewGuid());
        Assert.Equal(
            new[] { ("calendar", 3L), ("notes", 7L) },
            first.Changed.Select(c => (c.Collection, c.Version)).OrderBy(c => c.Collection, StringComparer.Ordinal));
        Assert.Equal(["lost-phone"], first.RevokedDevices);

        // Renewing with the incarnation it knows: nothing was lost, nothing is replayed.
        var renewed = await events.SubscribeAsync(reference, TimeSpan.FromMinutes(1), first.Incarnation);
        Assert.Equal(first.Incarnation, renewed.Incarnation);
        Assert.Empty(renewed.Changed);
        Assert.Empty(renewed.RevokedDevices);

        // A first subscription (no incarnation known) is not a loss either: the device syncs after connecting.
        Assert.Empty((await events.SubscribeAsync(reference, TimeSpan.FromMinutes(1), null)).Changed);
    }

    [Fact]
    public async Task A_revocation_reaches_a_subscribed_observer()
    {
        var account = NewAccount();
        var devices = await cluster.Grains.GetGrain<IAccountGrain>(account).ProvisionAsync(2);
        var observer = new RecordingObserver();
        var reference = cluster.Grains.CreateObjectReference<IAccountEventsObserver>(observer);
        await cluster.Grains.GetGrain<IAccountEventsGrain>(account).SubscribeAsync(reference, TimeSpan.FromMinutes(1), null);

        Assert.True(await cluster.Grains.GetGrain<IAccountGrain>(account).RevokeDeviceAsync(devices[1].DeviceId));

        await Eventually.WaitAsync(() => observer.Revoked.Contains((account, devices[1].DeviceId)), Deadline, "the revocation did not arrive");
    }

    private async Task<long> PutAsync(string account, string collection, long mutationId)
    {
        var grain = cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(account, collection));
        var result = await grain.SyncAsync(Request("dev-a", null, Put(mutationId, "i-" + mutationId, """{"n":1}""")));
        return Assert.Single(result.Results).Version!.Value;
    }
}
