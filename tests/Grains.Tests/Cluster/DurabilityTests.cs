using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Contracts.Events;
using DeviceSync.Contracts.Operations;
using DeviceSync.Contracts.Sync;
using DeviceSync.Testing;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// Grains on a real Orleans test cluster over three real Azurite replicas: what was acknowledged survives
/// restarts and replica failures. Each test gets its own cluster, because some kill replicas.
/// </summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private readonly GrainCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Acknowledged_writes_survive_a_full_cluster_restart()
    {
        var account = NewAccount();
        var contacts = _cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(account, "contacts"));
        var first = await contacts.SyncAsync(Request("dev-a", null, Put(1, "c-1", """{"name":"Ann"}"""), Put(2, "c-2", """{"name":"Bo"}""")));
        Assert.All(first.Results, r => Assert.Equal(MutationStatus.Applied, r.Status));

        await _cluster.RestartClusterAsync();

        contacts = _cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(account, "contacts"));
        var all = await contacts.SyncAsync(Request("dev-b", null));
        Assert.Equal(["c-1", "c-2"], all.Changes.Select(c => c.ItemId).Order());
        Assert.Equal("""{"name":"Ann"}""", all.Changes.Single(c => c.ItemId == "c-1").Data);

        // The device's high-water mark survived too: a resend is a duplicate, not a second write.
        var resend = await contacts.SyncAsync(Request("dev-a", null, Put(2, "c-2", """{"name":"Bo"}""")));
        Assert.Equal(MutationStatus.Duplicate, resend.Results.Single().Status);
        Assert.Equal(first.Results[1].Version, resend.Results.Single().Version);
    }

    [Fact]
    public async Task Accounts_devices_and_revocations_survive_a_full_cluster_restart()
    {
        var account = _cluster.Grains.GetGrain<IAccountGrain>(NewAccount());
        var devices = await account.ProvisionAsync(2);
        Assert.True(await account.RevokeDeviceAsync(devices[0].DeviceId));

        await _cluster.RestartClusterAsync();

        account = _cluster.Grains.GetGrain<IAccountGrain>(account.GetPrimaryKeyString());
        var listed = await account.ListDevicesAsync();
        Assert.Equal([devices[1].DeviceId], listed.Select(d => d.DeviceId));
        Assert.True(await account.AuthenticateAsync(devices[1].DeviceId, SecretHash(devices[1].Token)));
        Assert.False(await account.AuthenticateAsync(devices[0].DeviceId, SecretHash(devices[0].Token)));
    }

    [Fact]
    public async Task One_replica_down_still_acknowledges_and_nothing_is_lost()
    {
        var key = CollectionKey.Format(NewAccount(), "notes");
        _cluster.Replicas[2].Kill();

        var result = await _cluster.Grains.GetGrain<ICollectionGrain>(key).SyncAsync(Request("dev-a", null, Put(1, "n-1", """{"text":"x"}""")));
        Assert.Equal(MutationStatus.Applied, result.Results.Single().Status);

        await _cluster.Replicas[2].RestartAsync();
        await _cluster.RestartClusterAsync();
        var all = await _cluster.Grains.GetGrain<ICollectionGrain>(key).SyncAsync(Request("dev-b", null));
        Assert.Equal("n-1", Assert.Single(all.Changes).ItemId);
    }

    [Fact]
    public async Task Two_replicas_down_refuses_writes_loses_nothing_acknowledged_and_announces_the_refused_write_once_found()
    {
        var account = NewAccount();
        var key = CollectionKey.Format(account, "tasks");
        var grain = _cluster.Grains.GetGrain<ICollectionGrain>(key);
        var observer = new RecordingObserver();
        await _cluster.Grains.GetGrain<IAccountEventsGrain>(account)
            .SubscribeAsync(_cluster.Grains.CreateObjectReference<IAccountEventsObserver>(observer), TimeSpan.FromMinutes(5), null);
        var acknowledged = await grain.SyncAsync(Request("dev-a", null, Put(1, "t-1", """{"title":"kept"}""")));
        Assert.Equal(MutationStatus.Applied, acknowledged.Results.Single().Status);

        _cluster.Replicas[1].Kill();
        _cluster.Replicas[2].Kill();
        await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.SyncAsync(Request("dev-a", null, Put(2, "t-2", """{"title":"refused"}"""))));

        await _cluster.Replicas[1].RestartAsync();
        await _cluster.Replicas[2].RestartAsync();

        // The device resends the refused write (a device resends on 503 until it gets an answer; the first appends
        // to replicas that just restarted can still time out on a loaded machine): it is applied now (or was, if one
        // replica took it) — never twice.
        var retried = await SyncResendingOn503Async(grain, Request("dev-a", null, Put(2, "t-2", """{"title":"refused"}""")));
        Assert.Contains(retried.Results.Single().Status, new[] { MutationStatus.Applied, MutationStatus.Duplicate });

        // The other devices hear of it either way: applied now, or found in storage by the reload (the refused append
        // reached the replica that stayed up) and announced then, although no commit of this activation made it.
        var version = retried.Results.Single().Version!.Value;
        await Eventually.WaitAsync(() => observer.Latest(account, "tasks") >= version, TimeSpan.FromSeconds(30), "the write was never announced");

        await _cluster.RestartClusterAsync();

        // A pull can commit too (a history-loss epoch, if a killed replica came back without its marker and was healed
        // from too few healthy ones), and the first appends to replicas that just restarted can time out on a loaded
        // machine (a CI run met 503 here): the device resends, as it would.
        var all = await SyncResendingOn503Async(_cluster.Grains.GetGrain<ICollectionGrain>(key), Request("dev-b", null));
        Assert.Equal(["t-1", "t-2"], all.Changes.Select(c => c.ItemId).Order());
        Assert.Equal(acknowledged.Results.Single().Version, all.Changes.Single(c => c.ItemId == "t-1").Version);
    }

    /// <summary>Sends the request until it is not refused with 503 (storage unavailable), for up to a minute.</summary>
    private static async Task<SyncCollectionResult> SyncResendingOn503Async(ICollectionGrain grain, SyncCollectionRequest request)
    {
        SyncCollectionResult? result = null;
        await Eventually.WaitAsync(
            async () =>
            {
                try
                {
                    result = await grain.SyncAsync(request);
                    return true;
                }
                catch (StorageUnavailableException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60));
        return result!;
    }

    private static byte[] SecretHash(string token)
    {
        Assert.True(DeviceToken.TryParse(token, out _, out _, out var secret));
        return Accounts.AccountGrain.HashSecret(secret);
    }
}
