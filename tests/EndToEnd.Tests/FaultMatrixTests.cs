using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Issue 4's fault matrix: each fault injected into a cluster of real processes (3 Azurite replicas, silos, a gateway)
/// while the load harness drives devices through the gateway, and the harness's checker asserted clean: zero
/// acknowledged writes lost, zero applied twice, zero device-visible failures after the devices' retries.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FaultMatrixTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_storage_replica_killed_then_restarted_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "replica-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(12));
        cluster.Replicas[1].Kill(); // SIGKILL: whatever Azurite had not saved yet is gone too
        output.WriteLine($"replica 1 killed at {harness.Elapsed.TotalSeconds:F1} s; writes go on at W = 2 of the other two");
        await harness.AtAsync(TimeSpan.FromSeconds(24));
        await cluster.Replicas[1].RestartAsync();
        output.WriteLine($"replica 1 restarted at {harness.Elapsed.TotalSeconds:F1} s");

        using var report = await harness.AssertCleanAsync(output);
    }

    [Fact]
    public async Task A_silo_killed_mid_commit_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "silo-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(15));
        cluster.Silos[0].Kill();
        output.WriteLine($"silo 0 killed (kill -9) at {harness.Elapsed.TotalSeconds:F1} s, with commits in flight");

        using var report = await harness.AssertCleanAsync(output);
    }

    [Fact]
    public async Task The_gateway_killed_and_restarted_under_load_loses_nothing()
    {
        await using var cluster = await StartAsync(silos: 2);
        var harness = HarnessRun.Start(cluster, "40s", "gateway-kill");

        await harness.AtAsync(TimeSpan.FromSeconds(15));
        cluster.Gateway.Kill();
        output.WriteLine($"gateway killed (kill -9) at {harness.Elapsed.TotalSeconds:F1} s");
        await cluster.Gateway.StartAsync();
        output.WriteLine($"gateway serving again at {harness.Elapsed.TotalSeconds:F1} s");

        using var report = await harness.AssertCleanAsync(output);
    }

    private static async Task<LocalCluster> StartAsync(int silos)
    {
        var cluster = new LocalCluster(new LocalClusterOptions { Silos = silos });
        try
        {
            await cluster.InitializeAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }
}
