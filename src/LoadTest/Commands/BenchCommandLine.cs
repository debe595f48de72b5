using System.CommandLine;

namespace DeviceSync.LoadTest.Commands;

/// <summary><c>bench writes|bulk|changes|nochange [options]</c>: the micro-benchmarks (docs/benchmarks.md).</summary>
public static class BenchCommandLine
{
    public static Command Build(IReadOnlyList<string> args)
    {
        var bench = new Command("bench", "micro-benchmarks of one kind of request each; exit 1 on any 5xx, transport error or lost write");
        foreach (var (name, kind, description) in new[]
        {
            ("writes", BenchWorkloadKind.Writes, "single-item durable writes (commits/s)"),
            ("bulk", BenchWorkloadKind.Bulk, "puts of many items per request (items/s)"),
            ("changes", BenchWorkloadKind.Changes, "paged change-feed reads from cursor null (change rows/s)"),
            ("nochange", BenchWorkloadKind.NoChange, "polls with nothing new (round trips/s)"),
        })
        {
            bench.Subcommands.Add(BuildWorkload(name, kind, description, args));
        }

        return bench;
    }

    private static Command BuildWorkload(string name, BenchWorkloadKind kind, string description, IReadOnlyList<string> args)
    {
        var gateway = OptionFactory.Gateway();
        var adminKey = OptionFactory.AdminKey();
        var devices = OptionFactory.Int("--devices", "devices to provision, one account each (writes, bulk, nochange)", 64, 1, 100_000);
        var concurrency = OptionFactory.Int("--concurrency", "workers, each on its own device and collection", 16, 1, 4096);
        var duration = OptionFactory.Duration("--duration", "how long to drive load: 30s, 2m, 500ms", TimeSpan.FromSeconds(30));
        var warmup = OptionFactory.Duration("--warmup", "nochange: poll this long first, unrecorded (JIT and connections warm, as PeerLoad --warmup)", TimeSpan.Zero, allowZero: true);
        var itemsPerRequest = OptionFactory.Int("--items-per-request", "puts per sync request", kind == BenchWorkloadKind.Bulk ? 100 : 1, 1, 500);
        var itemBytes = OptionFactory.Int("--item-bytes", "approximate size of each item's JSON data", 200, 16, 200_000);
        var items = OptionFactory.Int("--items", "changes: items to seed into the collection", 20_000, 1, 10_000_000);
        var page = OptionFactory.Int("--page", "changes: limit per page", 500, 1, 1000);
        var readers = OptionFactory.Int("--readers", "changes: concurrent readers", 16, 1, 99);
        var timeout = OptionFactory.Duration("--timeout", "per-request timeout", TimeSpan.FromSeconds(30));
        var noReadBack = new Option<bool>("--no-read-back") { Description = "writes/bulk: skip the final read-back check" };
        var json = new Option<string?>("--json") { Description = "also write the report as JSON to this file" };

        var command = new Command(name, description)
        {
            gateway, adminKey, devices, concurrency, duration, warmup, itemsPerRequest, itemBytes, items, page, readers, timeout, noReadBack, json,
        };
        command.Validators.Add(r =>
        {
            if (kind is not BenchWorkloadKind.Changes && r.GetValue(devices) < r.GetValue(concurrency))
            {
                r.AddError("--devices must be at least --concurrency: each worker owns one device");
            }

            if (kind is not BenchWorkloadKind.NoChange && r.GetValue(warmup) > TimeSpan.Zero)
            {
                r.AddError("--warmup applies to nochange only (bench/compare warms the other workloads with a run of its own)");
            }
        });
        command.SetAction((parse, ct) => BenchCommand.ExecuteAsync(new BenchOptions
        {
            Workload = kind,
            Gateway = parse.GetValue(gateway)!,
            AdminKey = parse.GetValue(adminKey),
            Devices = parse.GetValue(devices),
            Concurrency = parse.GetValue(concurrency),
            Duration = parse.GetValue(duration),
            Warmup = parse.GetValue(warmup),
            ItemsPerRequest = parse.GetValue(itemsPerRequest),
            ItemBytes = parse.GetValue(itemBytes),
            Items = parse.GetValue(items),
            Page = parse.GetValue(page),
            Readers = parse.GetValue(readers),
            RequestTimeout = parse.GetValue(timeout),
            SkipReadBack = parse.GetValue(noReadBack),
            JsonPath = parse.GetValue(json),
        }, name, OptionFactory.Describe(args), ct));
        return command;
    }
}
