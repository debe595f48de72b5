using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>One of two silos crashes (kill -9) while devices sync continuously.</summary>
[Trait("Category", "EndToEnd")]
public sealed class SiloCrashTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions { Silos = 2 })
{
    [Fact]
    public async Task Killed_silo_service_resumes_and_nothing_acknowledged_is_lost()
    {
        await using var load = await SyncLoad.StartAsync(Client, devices: 8, hint: "crash");
        await load.WaitForEveryDeviceAsync(TimeSpan.Zero, 3, TimeSpan.FromSeconds(60), "devices did not get going");

        // Crash the silo that holds more of the devices' collections, so the crash hits as many as possible.
        var loaded = SiloLoads.Count(Cluster, "crash");
        var victim = SiloLoads.Busiest(loaded);
        var killed = load.Now;
        Cluster.Silos[victim].Kill();
        await load.WaitForEveryDeviceAsync(killed, 1, TimeSpan.FromSeconds(60), "writes did not resume within 60 s of the crash");
        var resumed = load.AllDevicesSucceededAfter(killed)!.Value;
        await load.WaitForEveryDeviceAsync(killed, 3, TimeSpan.FromSeconds(60), "devices did not keep syncing after the crash");
        await load.StopAsync();

        Output.WriteLine($"silo {victim} had loaded {loaded[victim]} of the 8 collections; kill -9 of it at t={killed.TotalSeconds:F1}s; every device had a request started after the kill succeed by " +
            $"t={resumed.TotalSeconds:F1}s: {(resumed - killed).TotalSeconds:F1}s to recover");
        Output.WriteLine($"{load.Successes} requests succeeded, {load.Acknowledged.Count} writes acknowledged, {load.Failures.Count} device-visible failures");
        foreach (var failure in load.Failures.Take(30))
        {
            Output.WriteLine(failure);
        }

        Output.WriteLine("gateway log:\n" + GatewayLog.Summarize(Cluster.Gateway));
        Assert.True(load.Violations.Count == 0, string.Join('\n', load.Violations));
        await load.Acknowledged.AssertAllReadBackAsync(Client);
    }
}
