using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DeviceSync.LoadTest.Events;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Commands;

/// <summary>
/// <c>events [options]</c>: holds many idle <c>/v1/events</c> sockets and measures how fast writes reach them (issue 6
/// part 2). One process can hold only as many sockets as its file-descriptor limit allows (<c>ulimit -n</c>), so a
/// large run is split over several processes with <c>--shard i/k</c>, each opening its share of <c>--sockets</c>.
/// </summary>
public static class EventsCommandLine
{
    public static Command Build(IReadOnlyList<string> args)
    {
        var gateway = OptionFactory.Gateway();
        var adminKey = OptionFactory.AdminKey();
        var sockets = OptionFactory.Int("--sockets", "event sockets in the whole run (one per provisioned device), split over the shards", 1000, 1, 10_000_000);
        var devicesPerAccount = OptionFactory.Int("--devices-per-account", "devices (sockets) per account", 100, 1, 1000);
        var sources = OptionFactory.Int("--source-addresses", "connect from this many loopback addresses, 127.0.0.2 on (each has ~28,000 ports to one gateway); 0 = the system's choice", 8, 0, 250);
        var shard = new Option<(int Index, int Count)>("--shard")
        {
            Description = "this process's part of the run, i/k (0-based): it opens every k-th share of the sockets and writes",
            DefaultValueFactory = _ => (0, 1),
            CustomParser = r => OptionFactory.Parse(r, ParseShard),
        };
        var connectRate = OptionFactory.Int("--connect-rate", "sockets opened per second while ramping up (per process)", 500, 1, 100_000);
        var connectConcurrency = OptionFactory.Int("--connect-concurrency", "handshakes in flight at once (per process)", 64, 1, 4096);
        var hold = OptionFactory.Duration("--hold", "how long every socket is held idle before the writes (measure the gateway's memory meanwhile)", TimeSpan.FromSeconds(10), allowZero: true);
        var writeAccounts = OptionFactory.Int("--write-accounts", "accounts that get writes, in the whole run (their sockets are the receiving ones)", 1, 0, 1_000_000);
        var writes = OptionFactory.Int("--writes", "writes per writing account, one after another", 5, 1, 100_000);
        var writeInterval = OptionFactory.Duration("--write-interval", "time between two writes of one account (keep it over the 250 ms coalescing interval)", TimeSpan.FromSeconds(1));
        var deliveryTimeout = OptionFactory.Duration("--delivery-timeout", "a socket without the write's event this long after its answer counts as a missing delivery", TimeSpan.FromSeconds(10));
        var timeout = OptionFactory.Duration("--timeout", "per-request and per-handshake timeout", TimeSpan.FromSeconds(30));
        var runId = new Option<string?>("--run-id") { Description = "names the accounts ev-<run-id>-<shard>-NNNNN (default: MMddHHmmss)" };
        var json = new Option<string?>("--json") { Description = "write the result as JSON to this file" };
        var markdown = new Option<string?>("--markdown") { Description = "write the result as a Markdown table to this file" };

        var command = new Command("events", "hold many idle /v1/events sockets, then measure how fast writes reach them")
        {
            gateway, adminKey, sockets, devicesPerAccount, sources, shard, connectRate, connectConcurrency, hold, writeAccounts, writes,
            writeInterval, deliveryTimeout, timeout, runId, json, markdown,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (index, count) = parse.GetValue(shard);
            var options = new EventsRunOptions
            {
                Gateway = parse.GetValue(gateway)!,
                AdminKey = parse.GetValue(adminKey),
                Sockets = ShareOf(parse.GetValue(sockets), index, count),
                DevicesPerAccount = parse.GetValue(devicesPerAccount),
                SourceAddresses = parse.GetValue(sources),
                ShardIndex = index,
                ShardCount = count,
                ConnectRate = parse.GetValue(connectRate),
                ConnectConcurrency = parse.GetValue(connectConcurrency),
                Hold = parse.GetValue(hold),
                WriteAccounts = ShareOf(parse.GetValue(writeAccounts), index, count),
                WritesPerAccount = parse.GetValue(writes),
                WriteInterval = parse.GetValue(writeInterval),
                DeliveryTimeout = parse.GetValue(deliveryTimeout),
                RequestTimeout = parse.GetValue(timeout),
                RunId = parse.GetValue(runId) ?? DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture),
                CommandLine = OptionFactory.Describe(args),
            };
            try
            {
                var result = await EventsRun.RunAsync(options, ct);
                var md = result.ToMarkdown();
                Console.Write(md);
                if (parse.GetValue(json) is { } jsonPath)
                {
                    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(result, JsonReport.Options) + "\n", CancellationToken.None);
                }

                if (parse.GetValue(markdown) is { } mdPath)
                {
                    await File.WriteAllTextAsync(mdPath, md, CancellationToken.None);
                }

                return result.ExitCode;
            }
            catch (BenchAbortedException e)
            {
                await Console.Error.WriteLineAsync($"events aborted: {e.Message}");
                return ExitCodes.Aborted;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("interrupted");
                return ExitCodes.Aborted;
            }
        });
        return command;
    }

    /// <summary>Shard <paramref name="index"/>'s part of <paramref name="total"/> when split over <paramref name="count"/> shards (the first ones take the remainder).</summary>
    public static int ShareOf(int total, int index, int count) => (total / count) + (index < total % count ? 1 : 0);

    public static (int Index, int Count) ParseShard(string value)
    {
        var parts = value.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            return (index, count);
        }

        throw new UsageException($"--shard: '{value}' is not i/k with 0 <= i < k (e.g. 0/2)");
    }
}
