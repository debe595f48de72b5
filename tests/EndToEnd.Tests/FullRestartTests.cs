using System.Diagnostics;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>Everything is stopped in order (gateway, silos, then the storage replicas) and started again.</summary>
[Trait("Category", "EndToEnd")]
public sealed class FullRestartTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions { Silos = 2 })
{
    private const int DevicesPerAccount = 2;
    private const int ItemsPerDeviceAndCollection = 5;

    [Fact]
    public async Task A_full_restart_keeps_accounts_devices_tokens_and_items()
    {
        var acknowledged = new AcknowledgedWrites();
        var devices = new List<E2eDevice>();
        for (var a = 0; a < 2; a++)
        {
            var first = await Client.NewAccountAsync("restart");
            devices.Add(first);
            for (var d = 1; d < DevicesPerAccount; d++)
            {
                devices.Add(await Client.AddDeviceAsync(first.AccountId, "device-" + d));
            }
        }

        long id = 0;
        foreach (var device in devices)
        {
            foreach (var collection in new[] { "contacts", "tasks" })
            {
                var mutations = Enumerable.Range(0, ItemsPerDeviceAndCollection).Select(_ => ++id).ToDictionary(m => m, m => $"{device.DeviceId}-{m}");
                var part = await Client.SyncOneAsync(device, collection, null, [.. mutations.Select(m => E2eClient.PutNew(m.Key, m.Value))]);
                var problems = acknowledged.Record(device.AccountId, part, mutations);
                Assert.True(problems.Count == 0, string.Join('\n', problems));
            }
        }

        // No wait for Azurite's 5 s save (FACTS.md): a replica saves when it is stopped, as run.sh's Ctrl+C relies on, so
        // the last writes, seconds old at most, must survive the stop on every replica.
        await Cluster.Gateway.StopAsync();
        foreach (var silo in Cluster.Silos)
        {
            await silo.StopAsync();
        }

        await Task.WhenAll(Cluster.Replicas.Replicas.Select(r => r.StopAsync()));

        var restart = Stopwatch.StartNew();
        await Task.WhenAll(Cluster.Replicas.Replicas.Select(r => r.RestartAsync()));
        await Task.WhenAll(Cluster.Silos.Select(s => s.StartAsync()));
        await Cluster.Gateway.StartAsync();
        Output.WriteLine($"replicas, silos and gateway were serving again {restart.Elapsed.TotalSeconds:F1}s after the restart began");

        // The old token still opens the account, and that device reads everything back too.
        foreach (var device in devices)
        {
            foreach (var collection in new[] { "contacts", "tasks" })
            {
                var items = await Client.PullAllAsync(device, collection);
                Assert.Equal(DevicesPerAccount * ItemsPerDeviceAndCollection, items.Count);
            }
        }

        await acknowledged.AssertAllReadBackAsync(Client);
    }
}
