using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DeviceSync.Client;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Grains.Backup;
using DeviceSync.Ops.Backups;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// How fast <c>ops drill</c> verifies collections (figures in docs/benchmarks.md, "Restore drill"). A measurement, not a
/// test: it runs only with DEVICESYNC_MEASURE=1, so the suite never asserts a timing. A real cluster (three replicas, the
/// backup store, two silos, the gateway); 50 accounts with 4 collections of 5 items each = 200 collections.
/// <code>DEVICESYNC_MEASURE=1 dotnet test tests/EndToEnd.Tests -c Release --filter "FullyQualifiedName~DrillMeasurements" --logger "console;verbosity=detailed"</code>
/// </summary>
[Trait("Category", "Cluster")]
public sealed class DrillMeasurements(ITestOutputHelper output) : ClusterTest(output, new LocalClusterOptions())
{
    private const int Accounts = 50;
    private static readonly string[] Collections = ["contacts", "calendar", "notes", "todo"];

    public override Task InitializeAsync() =>
        Environment.GetEnvironmentVariable("DEVICESYNC_MEASURE") == "1" ? base.InitializeAsync() : Task.CompletedTask;

    public override Task DisposeAsync() =>
        Environment.GetEnvironmentVariable("DEVICESYNC_MEASURE") == "1" ? base.DisposeAsync() : Task.CompletedTask;

    [Fact]
    public async Task Drill_of_200_collections()
    {
        if (Environment.GetEnvironmentVariable("DEVICESYNC_MEASURE") != "1")
        {
            return;
        }

        using var http = Cluster.CreateClient();
        var retry = new RetryOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1) };
        var run = Guid.NewGuid().ToString("N")[..6];
        await Parallel.ForEachAsync(Enumerable.Range(0, Accounts), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var account = $"drill-{run}-{i:D3}";
            var client = new SyncClient(http, retry);
            await client.CreateAccountAsync(account, E2eClient.Password, token);
            var credentials = await client.RegisterDeviceAsync(account, E2eClient.Password, "phone", "test", token);
            using var device = new Device(client.Connect(credentials), new InMemoryDeviceStore());
            foreach (var collection in Collections)
            {
                for (var item = 0; item < 5; item++)
                {
                    device.Put(collection, $"{collection}-{item}", $$"""{"n":{{item}}}""");
                }
            }

            await device.SyncAsync(token);
        });

        var store = new BackupStore(Cluster.Backup!.ConnectionString, Cluster.TablePrefix, TimeSpan.FromSeconds(10));
        var reader = new BackupReader(store);
        await Eventually.WaitAsync(
            async () =>
            {
                var streams = await store.ListStreamsAsync("collection/");
                if (streams.Count < Accounts * Collections.Length)
                {
                    return false;
                }

                foreach (var stream in streams)
                {
                    if (await reader.ReadAsync(stream.StreamKey, to: null) is null)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(120),
            "every collection reaches the backup");

        // As an operator runs it: a new process (cold start included), then in this process with its code warmed up.
        var process = Stopwatch.StartNew();
        var (exit, text) = await RunOpsDrillAsync(store);
        Output.WriteLine($"ops drill (a new process): exit {exit} in {process.Elapsed.TotalSeconds:F2} s: {text.Trim()}");
        Assert.Equal(0, exit);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var drill = new RestoreDrill(store, new AdminClient(http, Cluster.AdminKey!), TimeSpan.FromSeconds(30), TextWriter.Null);
            using var requests = new RequestCounter();
            var clock = Stopwatch.StartNew();
            var verdict = await drill.RunAsync(accountId: null, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            var collections = verdict.Matched + verdict.Differed;
            Output.WriteLine(
                $"in process, run {attempt}: {DrillCommand.Describe(verdict)}; {collections} collections in {seconds:F2} s = {collections / seconds:F1} collections/s; "
                + $"HTTP requests per collection: {requests.Total / (double)collections:F1} ({requests.Describe()})");
            Assert.True(verdict.Verified, DrillCommand.Describe(verdict));
        }
    }

    private async Task<(int Exit, string Output)> RunOpsDrillAsync(BackupStore store)
    {
        var ops = Path.Combine(RepositoryLayout.Root, "src", "Ops", "bin", RepositoryLayout.Configuration, "net10.0", "DeviceSync.Ops.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            ops, "drill", "--backup", Cluster.Backup!.ConnectionString, "--backup-prefix", store.TablePrefix,
            "--gateway", Cluster.GatewayAddress.ToString(), "--admin-key", Cluster.AdminKey!,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Counts this process's HTTP requests by server port (.NET's own <c>http.client.request.duration</c>).</summary>
    private sealed class RequestCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, int> _byPort = new();

        public RequestCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                var port = "?";
                var method = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "server.port")
                    {
                        port = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "?";
                    }
                    else if (tag.Key == "http.request.method")
                    {
                        method = " " + tag.Value;
                    }
                }

                port += method;

                _byPort.AddOrUpdate(port, 1, (_, n) => n + 1);
            });
            _listener.Start();
        }

        public int Total => _byPort.Values.Sum();

        public string Describe() => string.Join(", ", _byPort.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"port {p.Key}: {p.Value}"));

        public void Dispose() => _listener.Dispose();
    }
}
