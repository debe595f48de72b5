using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// One of two silos fails while devices sync continuously: crashed (kill -9, its connections close at once) or frozen
/// (SIGSTOP, its connections stay open and nothing answers, as a hung host or a network partition looks).
/// docs/upgrades.md ("Failover") records the recovery times these print.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SiloCrashTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions { Silos = 2 })
{
    [Fact]
    public Task Killed_silo_service_resumes_and_nothing_acknowledged_is_lost() =>
        FailBusiestSiloAsync("kill -9", silo => silo.Kill());

    [Fact]
    public Task Frozen_silo_is_declared_dead_service_resumes_and_nothing_acknowledged_is_lost() =>
        FailBusiestSiloAsync("SIGSTOP", silo => silo.Freeze());

    private async Task FailBusiestSiloAsync(string fault, Action<ServiceProcess> fail)
    {
        await using var load = await SyncLoad.StartAsync(Client, devices: 8, hint: "crash");
        await load.WaitForEveryDeviceAsync(TimeSpan.Zero, 3, TimeSpan.FromSeconds(60), "devices did not get going");

        // Fail the silo that holds more of the devices' collections, so the fault hits as many as possible.
        var loaded = SiloLoads.Count(Cluster, "crash");
        var victim = SiloLoads.Busiest(loaded);
        var failed = load.Now;
        fail(Cluster.Silos[victim]);
        await load.WaitForEveryDeviceAsync(failed, 1, TimeSpan.FromSeconds(60), $"writes did not resume within 60 s of the {fault}");
        var resumed = load.AllDevicesSucceededAfter(failed)!.Value;
        await load.WaitForEveryDeviceAsync(failed, 3, TimeSpan.FromSeconds(60), $"devices did not keep syncing after the {fault}");
        await load.StopAsync();

        Output.WriteLine($"silo {victim} had loaded {loaded[victim]} of the 8 collections; {fault} of it at t={failed.TotalSeconds:F1}s; every device had a request started after it succeed by " +
            $"t={resumed.TotalSeconds:F1}s: {(resumed - failed).TotalSeconds:F1}s to recover");
        Output.WriteLine($"{load.Successes} requests succeeded, {load.Acknowledged.Count} writes acknowledged, {load.Failures.Count} device-visible failures");
        foreach (var failure in load.Failures.Take(30))
        {
            Output.WriteLine(failure);
        }

        Output.WriteLine($"logs: {Cluster.LogDirectory}");
        Output.WriteLine("gateway log:\n" + GatewayLog.Summarize(Cluster.Gateway));
        Assert.True(load.Violations.Count == 0, string.Join('\n', load.Violations));
        await load.Acknowledged.AssertAllReadBackAsync(Client);
    }
}
