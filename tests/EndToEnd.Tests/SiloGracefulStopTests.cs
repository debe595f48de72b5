using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// One of two silos is stopped gracefully (SIGTERM, as an orchestrator does for a rolling upgrade) and started again
/// while devices sync continuously. The scenario runs once per class; its tests assert on what it measured.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SiloGracefulStopTests(SiloGracefulStopTests.Scenario scenario, ITestOutputHelper output)
    : IClassFixture<SiloGracefulStopTests.Scenario>
{
    [Fact]
    public async Task Graceful_silo_stop_under_traffic_loses_no_acknowledged_write()
    {
        var run = await scenario.RunAsync();
        output.WriteLine(run.Summary);
        Assert.True(run.Violations.Count == 0, string.Join('\n', run.Violations));
        await run.Load.Acknowledged.AssertAllReadBackAsync(scenario.Client);
    }

    [Fact]
    public async Task Graceful_silo_stop_under_traffic_shows_devices_no_failure()
    {
        var run = await scenario.RunAsync();
        output.WriteLine(run.Summary);
        Assert.True(run.Failures.Count == 0, $"{run.Failures.Count} device-visible failures:\n{string.Join('\n', run.Failures.Take(30))}\n{run.GatewayLines}");
    }

    public sealed record Outcome(SyncLoad Load, IReadOnlyList<string> Failures, IReadOnlyList<string> Violations, string GatewayLines, string Summary);

    /// <summary>The cluster and the one run of the scenario, shared by the tests of the class.</summary>
    public sealed class Scenario : IAsyncLifetime
    {
        private readonly LocalCluster _cluster = new(new LocalClusterOptions { Silos = 2 });
        private readonly SemaphoreSlim _gate = new(1, 1);
        private HttpClient? _http;
        private Outcome? _outcome;

        public E2eClient Client => new(_http!);

        public async Task InitializeAsync()
        {
            await _cluster.InitializeAsync();
            _http = _cluster.CreateClient();
        }

        public async Task<Outcome> RunAsync()
        {
            await _gate.WaitAsync();
            try
            {
                return _outcome ??= await RunOnceAsync();
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task DisposeAsync()
        {
            if (_outcome is not null)
            {
                await _outcome.Load.DisposeAsync();
            }

            _http?.Dispose();
            await _cluster.DisposeAsync();
            _gate.Dispose();
        }

        private async Task<Outcome> RunOnceAsync()
        {
            var load = await SyncLoad.StartAsync(Client, devices: 8, hint: "graceful");
            await load.WaitForEveryDeviceAsync(TimeSpan.Zero, 3, TimeSpan.FromSeconds(60), "devices did not get going");

            // Stop the silo that holds more of the devices' collections (each silo logs "Loaded <account>/<collection>"
            // when it activates one), so the stop moves as many as possible.
            var loaded = SiloLoads.Count(_cluster, "graceful");
            var victim = SiloLoads.Busiest(loaded);
            var silo = _cluster.Silos[victim];
            var stopping = load.Now;
            await silo.StopAsync();
            var stopped = load.Now;
            await load.WaitForEveryDeviceAsync(stopped, 2, TimeSpan.FromSeconds(60), "devices did not sync on the remaining silo");

            await silo.StartAsync();
            var restarted = load.Now;
            await load.WaitForEveryDeviceAsync(restarted, 3, TimeSpan.FromSeconds(60), "devices did not sync after the silo came back");
            await load.StopAsync();

            var failures = load.Failures.ToList();
            var summary =
                $"silo {victim} had loaded {loaded[victim]} of the 8 collections; its graceful stop took {(stopped - stopping).TotalSeconds:F1}s (t={stopping.TotalSeconds:F1}s..{stopped.TotalSeconds:F1}s), " +
                $"restart done at t={restarted.TotalSeconds:F1}s; {load.Successes} requests succeeded, {load.Acknowledged.Count} writes acknowledged, " +
                $"{failures.Count} device-visible failures";
            var gatewayLines = GatewayLog.Summarize(_cluster.Gateway);
            return new Outcome(load, failures, load.Violations.ToList(), gatewayLines, summary + "\n" + string.Join('\n', failures.Take(30)) + "\ngateway log:\n" + gatewayLines);
        }
    }
}
