using System.Globalization;

namespace DeviceSync.LoadTest.Commands;

/// <summary>
/// Parses <c>bench &lt;workload&gt; --option value ...</c>. Deliberately small: when the harness grows
/// subcommands of its own (live view, checker), this is the one place to swap for System.CommandLine.
/// </summary>
public static class BenchOptionsParser
{
    public const string Usage = """
        usage: DeviceSync.LoadTest bench <writes|bulk|changes|nochange> [options]

          --gateway URL              gateway base address (default http://127.0.0.1:5080)
          --admin-key KEY            X-Admin-Key for /v1/admin/provision (default: $SYNC_ADMIN_KEY)
          --devices N                devices to provision, one account each (writes, bulk, nochange; default 64)
          --concurrency N            workers, each on its own device and collection (default 16)
          --duration T               how long to drive load: 30s, 2m, 500ms (default 30s)
          --items-per-request N      puts per sync request (writes: 1, bulk: 100)
          --item-bytes N             approximate size of each item's JSON data (default 200)
          --items N                  changes: items to seed into the collection (default 20000)
          --page N                   changes: limit per page (default 500)
          --readers N                changes: concurrent readers (default 16)
          --timeout T                per-request timeout (default 30s)
          --no-read-back             writes/bulk: skip the final read-back check
          --json FILE                also write the report as JSON
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || args[0] != "bench")
        {
            throw new UsageException("expected: bench <writes|bulk|changes|nochange> [options]");
        }

        var workload = args[1] switch
        {
            "writes" => BenchWorkloadKind.Writes,
            "bulk" => BenchWorkloadKind.Bulk,
            "changes" => BenchWorkloadKind.Changes,
            "nochange" => BenchWorkloadKind.NoChange,
            _ => throw new UsageException($"unknown workload '{args[1]}'"),
        };

        var options = new BenchOptions
        {
            Workload = workload,
            Gateway = new Uri("http://127.0.0.1:5080"),
            AdminKey = Environment.GetEnvironmentVariable("SYNC_ADMIN_KEY"),
            ItemsPerRequest = workload == BenchWorkloadKind.Bulk ? 100 : 1,
        };

        for (var i = 2; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--no-read-back")
            {
                options = options with { SkipReadBack = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new UsageException($"{name} needs a value");
            }

            var value = args[++i];
            options = name switch
            {
                "--gateway" => options with { Gateway = ParseUri(name, value) },
                "--admin-key" => options with { AdminKey = value },
                "--devices" => options with { Devices = ParseInt(name, value, 1, 100_000) },
                "--concurrency" => options with { Concurrency = ParseInt(name, value, 1, 4096) },
                "--duration" => options with { Duration = ParseDuration(name, value) },
                "--items-per-request" => options with { ItemsPerRequest = ParseInt(name, value, 1, 500) },
                "--item-bytes" => options with { ItemBytes = ParseInt(name, value, 16, 200_000) },
                "--items" => options with { Items = ParseInt(name, value, 1, 10_000_000) },
                "--page" => options with { Page = ParseInt(name, value, 1, 1000) },
                "--readers" => options with { Readers = ParseInt(name, value, 1, 99) },
                "--timeout" => options with { RequestTimeout = ParseDuration(name, value) },
                "--json" => options with { JsonPath = value },
                _ => throw new UsageException($"unknown option '{name}'"),
            };
        }

        if ((workload is BenchWorkloadKind.Writes or BenchWorkloadKind.Bulk or BenchWorkloadKind.NoChange)
            && options.Devices < options.Concurrency)
        {
            throw new UsageException("--devices must be at least --concurrency: each worker owns one device");
        }

        return options;
    }

    private static Uri ParseUri(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")
            ? uri
            : throw new UsageException($"{name}: '{value}' is not an http(s) address");

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name}: '{value}' is not an integer from {min} to {max}");

    /// <summary>Accepts <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        var (digits, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : value.EndsWith('h') ? (value[..^1], 3600.0)
            : (value, 1.0);
        return double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0
            ? TimeSpan.FromSeconds(n * unit)
            : throw new UsageException($"{name}: '{value}' is not a duration such as 30s, 2m or 500ms");
    }
}
