using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Ops.Rollout;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Issue 5's promise, asserted: a cluster is rolled completely, silo by silo, by the rollout command's own logic, while
/// the load harness drives devices through the gateway; the harness's checker then reads every acknowledged write back.
/// Once from this build to a copy of it in another folder (3 silos: what the rollout starts is what it was given), once
/// from the previous release (tag v0.1.0, built from git history) to this build: two builds side by side, reading
/// each other's journal, then all on the new one.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rolling_every_silo_under_load_fails_no_request_and_loses_no_write()
    {
        var newBuild = Path.Combine(Path.GetTempPath(), "devicesync-newbuild-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDirectory(Path.GetDirectoryName(RepositoryLayout.SiloAssembly)!, newBuild);
        try
        {
            await using var cluster = new LocalCluster(new LocalClusterOptions { Silos = 3 });
            await cluster.InitializeAsync();
            var report = await RollUnderLoadAsync(cluster, newBuild);
            Assert.Equal(3, report.Steps.Count);
        }
        finally
        {
            Directory.Delete(newBuild, recursive: true);
        }
    }

    [Fact]
    public async Task Rolling_from_the_previous_release_to_this_build_fails_no_request_and_loses_no_write()
    {
        var previous = await PreviousRelease.SiloAssemblyAsync();
        await using var cluster = new LocalCluster(new LocalClusterOptions { Silos = 2, SiloAssembly = previous });
        await cluster.InitializeAsync();
        using var http = cluster.CreateClient();
        var observer = new ClusterObserver(http, cluster.AdminKey!);
        var before = await observer.SilosAsync(CancellationToken.None);
        Assert.All(before.Where(s => s.IsActive), s => Assert.Null(s.Version)); // v0.1.0 did not publish its build yet

        var report = await RollUnderLoadAsync(cluster, Path.GetDirectoryName(RepositoryLayout.SiloAssembly)!);

        Assert.Equal(2, report.Steps.Count);
        var after = await observer.SilosAsync(CancellationToken.None);
        Assert.All(after.Where(s => s.IsActive), s => Assert.Equal(report.ExpectedVersion, s.Version));
    }

    /// <summary>
    /// The separate step for gateways: the only gateway is stopped gracefully and started again on its port while the
    /// harness runs; devices meet refused connections for a few seconds and resend (PROTOCOL.md), so none of them fails
    /// and nothing is lost.
    /// </summary>
    [Fact]
    public async Task Rolling_the_gateway_under_load_fails_no_request_and_loses_no_write()
    {
        await using var cluster = new LocalCluster(new LocalClusterOptions { Silos = 2 });
        await cluster.InitializeAsync();
        var build = Path.GetDirectoryName(RepositoryLayout.GatewayAssembly)!;
        var report = await RollUnderLoadAsync(
            cluster,
            duration: "45s",
            async (log, options) =>
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                return await new GatewayRollout(http, options, log).RunAsync(
                    [new TestProcess(cluster.Gateway, LocalInstance.GatewayAssembly)], build, RolloutCommand.VersionOf(build), CancellationToken.None);
            });

        Assert.Single(report.Steps);
    }

    private Task<SiloRollout.Report> RollUnderLoadAsync(LocalCluster cluster, string newBuild) =>
        RollUnderLoadAsync(
            cluster,
            duration: "80s",
            async (log, options) =>
            {
                using var http = cluster.CreateClient();
                var report = await new SiloRollout(new ClusterObserver(http, cluster.AdminKey!), options, log)
                    .RunAsync(cluster.Silos.Select(s => new TestProcess(s, LocalInstance.SiloAssembly)).ToList(), newBuild, RolloutCommand.VersionOf(newBuild), CancellationToken.None);
                Assert.All(cluster.Silos, s => Assert.Equal(Path.Combine(newBuild, LocalInstance.SiloAssembly), s.Assembly));
                return report;
            });

    /// <summary>Runs the harness (for at most <paramref name="duration"/>, until a little after the rollout) and, 12 s in, the rollout; asserts both are clean.</summary>
    private async Task<SiloRollout.Report> RollUnderLoadAsync(
        LocalCluster cluster,
        string duration,
        Func<TextWriter, RolloutOptions, Task<SiloRollout.Report>> roll)
    {
        var harness = HarnessRun.Start(cluster, duration, "roll");
        await harness.AtAsync(TimeSpan.FromSeconds(12)); // provisioning, then steady load
        var log = new StringWriter();
        var report = await roll(TextWriter.Synchronized(log), new RolloutOptions { StopGrace = TimeSpan.FromSeconds(45), Settle = TimeSpan.FromSeconds(3) });
        output.WriteLine(log.ToString());
        await harness.EndLoadAfterAsync(HarnessRun.Settle);

        using var verdict = await harness.AssertCleanAsync(output);
        Assert.True(report.Completed, report.FailedReason);
        Assert.All(report.Steps, s => Assert.True(s.StoppedGracefully, $"{s.Name} had to be killed"));
        Assert.Equal(0, report.Steps.Sum(s => s.NewErrors));
        return report;
    }

    /// <summary>A LocalCluster silo or gateway process as the rollout sees one.</summary>
    private sealed class TestProcess(ServiceProcess process, string assemblyName) : IServiceInstance
    {
        public string Name => process.Name;

        public Uri HttpAddress => process.HttpAddress;

        public Task<bool> StopAsync(TimeSpan grace, CancellationToken ct) => process.StopAsync(grace);

        public Task StartAsync(string buildDirectory, CancellationToken ct)
        {
            process.Assembly = Path.Combine(buildDirectory, assemblyName);
            process.Launch();
            return Task.CompletedTask;
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
