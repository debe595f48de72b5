using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// <c>memory</c>: memory per idle account, per active collection grain and per stored item, on a fresh cluster.
/// Step by step, each step measured on every silo after a forced full GC (<see cref="HeapProbe"/>):
/// baseline (after a warm-up) → N accounts provisioned, one device each, left idle (their grains stay activated
/// until Orleans' idle collection, 15 min by default) → one small sync (one ~200-byte put) into one collection of
/// each account (N collection grains) → K collections filled with M items each. Per unit = heap growth summed over
/// the silos (a grain's directory entry may live on the other silo) divided by the units the step added.
/// </summary>
public static class MemoryCommand
{
    private const int Concurrency = 16;
    private const int PutsPerRequest = 500;
    private static readonly TimeSpan RetryBudget = TimeSpan.FromMinutes(2);

    public static Command Build()
    {
        var accounts = new Option<int>("--accounts") { Description = "idle accounts (and one-item collections) to activate", DefaultValueFactory = _ => 20_000 };
        var itemCollections = new Option<int>("--item-collections") { Description = "collections to fill with items", DefaultValueFactory = _ => 20 };
        var items = new Option<int>("--items-per-collection") { Description = "items put into each of those collections", DefaultValueFactory = _ => 5_000 };
        var silos = new Option<int>("--silos") { Description = "silo processes", DefaultValueFactory = _ => 2 };
        var gcdump = new Option<string?>("--gcdump") { Description = "path of dotnet-gcdump (default: ~/.dotnet/tools/dotnet-gcdump, else PATH)" };
        var json = new Option<string?>("--json") { Description = "also write the steps and figures to this file" };
        var command = new Command("memory", "heap bytes per idle account, per active collection grain and per stored item")
        {
            accounts, itemCollections, items, silos, gcdump, json,
        };
        command.SetAction(async (parse, ct) => await ExecuteAsync(
            parse.GetValue(accounts), parse.GetValue(itemCollections), parse.GetValue(items), parse.GetValue(silos),
            HeapProbe.FindTool(parse.GetValue(gcdump)), parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> ExecuteAsync(int accountCount, int itemCollections, int itemsPerCollection, int silos, string gcdumpTool, string? jsonPath, CancellationToken ct)
    {
        if (itemCollections > accountCount)
        {
            throw new ArgumentOutOfRangeException(nameof(itemCollections), "--item-collections may not exceed --accounts");
        }

        var work = Directory.CreateTempSubdirectory("devicesync-scale-");
        try
        {
            Log($"starting a cluster: {silos} silos, 3 Azurite replicas, a gateway");
            await using var host = await ClusterHost.StartAsync(silos);
            Log($"gateway {host.Cluster.GatewayAddress}, silo pids {string.Join(", ", host.Silos.Select(s => $"{s.Name}={s.Pid}"))}, logs {host.Cluster.LogDirectory}");
            var probe = host.Probe(new HeapProbe(gcdumpTool, work.FullName));
            using var client = new GatewayClient(host.Cluster.GatewayAddress, host.Cluster.AdminKey, TimeSpan.FromSeconds(120), Concurrency + 8);
            var runId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
            var steps = new List<MemoryStep>();

            // Warm-up: every code path of the later steps runs once, so JIT code, pools and caches are in the baseline.
            var warm = await ProvisionAsync(client, $"mw-{runId}", 20, ct);
            await SyncEachAsync(client, warm, "notes", 1, ct);
            await FillAsync(client, warm[0], "items", PutsPerRequest, ct);
            steps.Add(await MeasureAsync(probe, "baseline (warm-up: 20 accounts, 21 collections)", 0, "", ct));

            var devices = await ProvisionAsync(client, $"mi-{runId}", accountCount, ct);
            steps.Add(await MeasureAsync(probe, $"+{accountCount} idle accounts (1 device each)", accountCount, "account", ct));

            await SyncEachAsync(client, devices, "notes", 1, ct);
            steps.Add(await MeasureAsync(probe, $"+{accountCount} collection grains (one ~200-byte item each)", accountCount, "collection", ct));

            var fillStarted = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(devices.Take(itemCollections), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                async (device, token) => await FillAsync(client, device, "items", itemsPerCollection, token));
            Log($"filled {itemCollections} collections with {itemsPerCollection} items in {Stopwatch.GetElapsedTime(fillStarted).TotalSeconds:F1} s");
            steps.Add(await MeasureAsync(probe, $"+{itemCollections} collections x {itemsPerCollection} items (~200 bytes each)", (long)itemCollections * itemsPerCollection, "item", ct));

            var printed = Render(steps);
            Console.Write(printed);
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(steps, JsonReport.Options) + "\n", CancellationToken.None);
            }

            Log("stopping the cluster");
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<IReadOnlyList<Device>> ProvisionAsync(GatewayClient client, string prefix, int count, CancellationToken ct)
    {
        var accounts = Enumerable.Range(1, count).Select(i => new ProvisionAccount(string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D7}"), 1)).ToList();
        var (phase, devices) = await Provisioner.ProvisionAsync(client, accounts, 100, ct);
        Log($"provisioned {count} accounts in {phase.Seconds:F1} s ({count / phase.Seconds:F0} accounts/s)");
        return devices;
    }

    /// <summary>One sync per device putting <paramref name="items"/> small items into <paramref name="collection"/>, 16 devices at a time.</summary>
    private static async Task SyncEachAsync(GatewayClient client, IReadOnlyList<Device> devices, string collection, int items, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
            async (device, token) => await PutAsync(client, device, collection, 0, items, token));
        Log($"synced {devices.Count} collections '{collection}' in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
    }

    private static async Task FillAsync(GatewayClient client, Device device, string collection, int items, CancellationToken ct)
    {
        for (var first = 0; first < items; first += PutsPerRequest)
        {
            await PutAsync(client, device, collection, first, Math.Min(PutsPerRequest, items - first), ct);
        }
    }

    /// <summary>
    /// Puts items <paramref name="first"/>.. of ~200 bytes each; resends the same request (same mutation ids) after a 503
    /// or lost answer for up to <see cref="RetryBudget"/>: a memory step must not fail because storage fell behind for a while.
    /// </summary>
    private static async Task PutAsync(GatewayClient client, Device device, string collection, int first, int count, CancellationToken ct)
    {
        var mutations = Enumerable.Range(first, count).Select(i => new Mutation
        {
            Id = i + 1,
            Op = "put",
            ItemId = string.Create(CultureInfo.InvariantCulture, $"item-{i:D6}"),
            BaseVersion = 0,
            Data = new ItemData(string.Create(CultureInfo.InvariantCulture, $"item {i}"), i, new string('x', 150)),
        }).ToList();
        var request = new SyncRequest([new CollectionSync { Name = collection, Cursor = null, Limit = 1, Mutations = mutations }]);
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var call = await client.SyncAsync(device.Token, request, ct);
            if (call.Succeeded)
            {
                return;
            }

            if (!call.IsRetryable || Stopwatch.GetElapsedTime(started) > RetryBudget)
            {
                throw new InvalidOperationException($"sync of {device.AccountId}/{collection} failed: {call.ErrorKey} {call.Error}");
            }

            await Task.Delay(call.RetryAfter ?? TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 5000)), ct);
        }
    }

    private static async Task<MemoryStep> MeasureAsync(ClusterProbe probe, string name, long units, string unit, CancellationToken ct)
    {
        var step = await probe.MeasureAsync(name, units, unit, ct);
        Log($"{name}: {Describe(step)}");
        return step;
    }

    public static string Describe(MemoryStep step) =>
        $"heap {string.Join(", ", step.Silos.Select(s => $"{s.Name} {Mb(s.HeapBytes)} MB (walk {Mb(s.WalkedBytes)}, RSS {Mb(s.RssBytes)})"))}; " +
        $"activations {string.Join(", ", step.Activations.Select(a => $"{a.Key} {a.Value}"))}; storage {Mb(step.StorageBytes)} MB";

    public static string Render(IReadOnlyList<MemoryStep> steps)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("step | live heap per silo (MB) | live heap total (MB) | gcdump walk total (MB) | RSS total (MB) | activations per silo | storage (MB) | heap growth per unit | walk growth per unit | storage growth per unit");
        sb.AppendLine("--- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---:");
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            var perUnit = "";
            var walkPerUnit = "";
            var storagePerUnit = "";
            if (i > 0 && s.Units > 0)
            {
                perUnit = string.Create(c, $"{(double)(s.HeapBytes - steps[i - 1].HeapBytes) / s.Units:F0} B/{s.Unit}");
                walkPerUnit = string.Create(c, $"{(double)(s.WalkedBytes - steps[i - 1].WalkedBytes) / s.Units:F0} B/{s.Unit}");
                storagePerUnit = string.Create(c, $"{(double)(s.StorageBytes - steps[i - 1].StorageBytes) / s.Units:F0} B/{s.Unit}");
            }

            sb.AppendLine(c,
                $"{s.Name} | {string.Join(" / ", s.Silos.Select(x => Mb(x.HeapBytes)))} | {Mb(s.HeapBytes)} | {Mb(s.WalkedBytes)} | {Mb(s.RssBytes)} | {string.Join(" / ", s.Activations.Values)} | {Mb(s.StorageBytes)} | {perUnit} | {walkPerUnit} | {storagePerUnit}");
        }

        return sb.ToString();
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static void Log(string message) => Console.Error.WriteLine($"[scale {DateTime.UtcNow:HH:mm:ss}] {message}");
}
