using System.Net;
using System.Text.Json;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// A storage replica's data is wiped while devices sync (its Azurite killed, its folder deleted, started again empty on
/// the same ports): writes go on, nothing acknowledged is lost, and the sweeper heals it. Replica 0 holds the cluster
/// membership table, so replica 2 is the one wiped.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ReplicaHealingTests(ITestOutputHelper output) : ClusterTest(output, new LocalClusterOptions
{
    Silos = 2,
    SiloSettings = SweeperSettings.Fast(),
})
{
    private const int Wiped = 2;

    [Fact]
    public async Task A_replica_wiped_while_devices_sync_heals_and_every_acknowledged_write_reads_back()
    {
        await using var load = await SyncLoad.StartAsync(Client, devices: 8, "wipe");
        await load.WaitForEveryDeviceAsync(TimeSpan.Zero, 5, TimeSpan.FromSeconds(90), "devices sync before the wipe");
        var before = await ReplicasAsync();
        Assert.All(before.GetProperty("replicas").EnumerateArray(), r => Assert.Equal("healthy", r.GetProperty("state").GetString()));
        var wipedAt = before.GetProperty("observedAt").GetDateTimeOffset();

        await Cluster.Replicas[Wiped].WipeAsync();
        Output.WriteLine($"replica {Wiped} wiped and restarted empty at t={load.Now.TotalSeconds:F1}s ({load.Successes} requests acknowledged so far)");

        // Devices keep syncing: writes need the two healthy replicas only.
        await load.WaitForEveryDeviceAsync(load.Now, 10, TimeSpan.FromSeconds(120), "every device kept syncing after the wipe");

        // It is healed: healthy again, in a state entered after the wipe (so it went through unhealed and a heal).
        JsonElement healed = default;
        await Eventually.WaitAsync(
            async () =>
            {
                healed = await ReplicasAsync();
                var replica = healed.GetProperty("replicas")[Wiped];
                return replica.GetProperty("state").GetString() == "healthy"
                       && replica.GetProperty("since").GetDateTimeOffset() > wipedAt;
            },
            TimeSpan.FromSeconds(180),
            $"/v1/admin/replicas did not show replica {Wiped} healed");
        Output.WriteLine($"healed by t={load.Now.TotalSeconds:F1}s: {healed}");
        Assert.True(healed.GetProperty("replicas")[Wiped].GetProperty("repairsWritten").GetInt64() > 0, "the sweeper wrote what the wiped replica lacked");
        Assert.True(healed.GetProperty("sweep").GetProperty("lastCompletedAt").ValueKind == JsonValueKind.String, healed.ToString());

        await load.StopAsync();
        Output.WriteLine($"{load.Successes} requests acknowledged, {load.Failures.Count} device-visible failures (resent)");
        foreach (var failure in load.Failures.Take(20))
        {
            Output.WriteLine(failure);
        }

        Assert.Empty(load.Violations);
        await load.Acknowledged.AssertAllReadBackAsync(Client);

        // The silos export the replica state as metrics too.
        using var metrics = new HttpClient { BaseAddress = Cluster.Silos[0].HttpAddress };
        var text = await metrics.GetStringAsync("/metrics");
        Assert.Contains("devicesync_storage_replica_state", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_replicas_view_needs_the_admin_key()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/replicas");
        using var response = await Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var view = await ReplicasAsync();
        Assert.Equal(3, view.GetProperty("replicas").GetArrayLength());
        Assert.DoesNotContain("AccountKey", view.ToString(), StringComparison.Ordinal);
    }
}
