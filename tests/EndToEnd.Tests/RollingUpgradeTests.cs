using System.Text.Json;
using DeviceSync.LoadTest.Commands;
using DeviceSync.Ops.Rollout;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Issue 5's promise, asserted: a 3-silo cluster is rolled completely, silo by silo, by the rollout command's own logic,
/// while the load harness drives devices through the gateway; the harness's checker then reads every acknowledged write
/// back. The new build is a copy of this one in another folder (what the rollout starts is what it was given).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RollingUpgradeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LocalCluster _cluster = new(new LocalClusterOptions { Silos = 3 });
    private string? _newBuild;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        _newBuild = Path.Combine(Path.GetTempPath(), "devicesync-newbuild-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDirectory(Path.GetDirectoryName(RepositoryLayout.SiloAssembly)!, _newBuild);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_newBuild is not null)
        {
            Directory.Delete(_newBuild, recursive: true);
        }
    }

    [Fact]
    public async Task Rolling_every_silo_under_load_fails_no_request_and_loses_no_write()
    {
        var reports = Path.Combine(_cluster.LogDirectory, "harness");
        var harness = HarnessCommandLine.InvokeAsync(
        [
            "run", "--gateway", _cluster.GatewayAddress.ToString(), "--admin-key", _cluster.AdminKey!,
            "--accounts", "16", "--devices-per-account", "2", "--concurrency", "16", "--duration", "80s",
            "--mix", "put=50,edit=25,delete=5,nochange=15,conflict=5",
            "--report", reports, "--plain", "--run-id", "roll-" + Guid.NewGuid().ToString("N")[..6],
        ]);

        await Task.Delay(TimeSpan.FromSeconds(12)); // provisioning, then steady load
        using var http = _cluster.CreateClient();
        var log = new StringWriter();
        var rollout = new SiloRollout(
            new ClusterObserver(http, _cluster.AdminKey!),
            new RolloutOptions { StopGrace = TimeSpan.FromSeconds(45), Settle = TimeSpan.FromSeconds(3) },
            TextWriter.Synchronized(log));
        var version = RolloutCommand.VersionOf(_newBuild!);
        var report = await rollout.RunAsync(_cluster.Silos.Select(s => new TestSilo(s)).ToList(), _newBuild!, version, CancellationToken.None);
        output.WriteLine(log.ToString());

        var exitCode = await harness;
        var md = await File.ReadAllTextAsync(Path.Combine(reports, "report.md"));
        output.WriteLine(md);

        Assert.True(report.Completed, report.FailedReason);
        Assert.Equal(3, report.Steps.Count);
        Assert.All(report.Steps, s => Assert.True(s.StoppedGracefully, $"{s.Silo} had to be killed"));
        Assert.All(_cluster.Silos, s => Assert.Equal(Path.Combine(_newBuild!, "DeviceSync.Silo.dll"), s.Assembly));
        Assert.Equal(0, report.Steps.Sum(s => s.NewErrors));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports, "report.json")));
        var checker = json.RootElement.GetProperty("checker");
        Assert.Equal(0, checker.GetProperty("findings").GetArrayLength()); // no acknowledged write lost or applied twice
        Assert.True(checker.GetProperty("matched").GetInt64() > 0);
        Assert.Equal(0, exitCode); // clean: also no device-visible failure after the client's retries
    }

    /// <summary>A LocalCluster silo process as the rollout sees one.</summary>
    private sealed class TestSilo(ServiceProcess process) : ISiloInstance
    {
        public string Name => process.Name;

        public Uri HttpAddress => process.HttpAddress;

        public Task<bool> StopAsync(TimeSpan grace, CancellationToken ct) => process.StopAsync(grace);

        public Task StartAsync(string buildDirectory, CancellationToken ct)
        {
            process.Assembly = Path.Combine(buildDirectory, LocalSiloInstance.SiloAssembly);
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
