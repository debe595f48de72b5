using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>The gateway crashes (kill -9) and comes back on the same port while devices sync continuously.</summary>
[Trait("Category", "EndToEnd")]
public sealed class GatewayCrashTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions { Silos = 1 })
{
    [Fact]
    public async Task Killed_gateway_loses_no_acknowledged_write()
    {
        await using var load = await SyncLoad.StartAsync(Client, devices: 6, hint: "gw-crash");
        await load.WaitForEveryDeviceAsync(TimeSpan.Zero, 3, TimeSpan.FromSeconds(60), "devices did not get going");

        var killed = load.Now;
        Cluster.Gateway.Kill();
        await Cluster.Gateway.StartAsync();
        var restarted = load.Now;
        await load.WaitForEveryDeviceAsync(restarted, 3, TimeSpan.FromSeconds(60), "devices did not sync through the restarted gateway");
        await load.StopAsync();

        Output.WriteLine($"gateway killed at t={killed.TotalSeconds:F1}s, ready again at t={restarted.TotalSeconds:F1}s; " +
            $"{load.Successes} requests succeeded, {load.Acknowledged.Count} writes acknowledged, {load.Failures.Count} device-visible failures (connection errors expected)");
        Assert.True(load.Violations.Count == 0, string.Join('\n', load.Violations));
        await load.Acknowledged.AssertAllReadBackAsync(Client);
    }
}
