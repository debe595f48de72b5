using System.Diagnostics;
using System.Globalization;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>
/// <c>writes</c> and <c>bulk</c>: each worker owns one device of its own account and keeps putting new items
/// (<c>baseVersion: 0</c>, increasing mutation ids) into one collection, with its last cursor so that the
/// response carries only its own changes. Every <c>applied</c> in a 200 is a durable (W of N) commit.
/// At the end, every acknowledged item is read back and checked.
/// </summary>
public sealed class WritesWorkload : IWorkload
{
    private const string Collection = "bench";
    private static readonly TimeSpan BackOff = TimeSpan.FromMilliseconds(100);

    public async Task<WorkloadOutcome> RunAsync(WorkloadContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var prefix = options.ItemsPerRequest > 1 ? "bb" : "bw";
        var accounts = Enumerable.Range(0, options.Devices)
            .Select(i => new ProvisionAccount($"{prefix}-{options.RunId}-{i:D5}", 1))
            .ToList();
        var (provision, devices) = await Provisioner.ProvisionAsync(context, accounts, cancellationToken);

        var items = new ItemFactory(options.ItemBytes);
        var acknowledged = new Dictionary<string, long>[options.Concurrency];
        var timer = new TimedWorkers(options.Duration);
        var (elapsed, stats) = await timer.RunAsync(options.Concurrency, async (worker, s) =>
        {
            var device = devices[worker];
            var acked = acknowledged[worker] = new Dictionary<string, long>(StringComparer.Ordinal);
            string? cursor = null;
            long nextId = 1;
            while (timer.BeforeDeadline)
            {
                var mutations = new Mutation[options.ItemsPerRequest];
                for (var m = 0; m < mutations.Length; m++, nextId++)
                {
                    var itemId = string.Create(CultureInfo.InvariantCulture, $"w{worker}-{nextId}");
                    mutations[m] = new Mutation { Id = nextId, Op = "put", ItemId = itemId, BaseVersion = 0, Data = items.Create(itemId, nextId) };
                }

                var request = new SyncRequest([new CollectionSync { Name = Collection, Cursor = cursor, Mutations = mutations }]);
                var call = await context.Client.SyncAsync(device.Token, request, cancellationToken);
                if (!call.Succeeded)
                {
                    s.RecordError(call.ErrorKey);
                    if (call.Status == 200)
                    {
                        context.Violations.Add("malformed-200", call.Error ?? "");
                    }

                    await timer.BackOffAsync(BackOff, cancellationToken);
                    continue;
                }

                var result = call.Body!.Collections.SingleOrDefault(c => c.Name == Collection);
                if (result is null || result.Results.Count != mutations.Length)
                {
                    context.Violations.Add("missing-results", $"{device.AccountId}: {result?.Results.Count ?? 0} results for {mutations.Length} mutations");
                    s.RecordSuccess(call.Elapsed, 0);
                    continue;
                }

                if (result.Resync is not null)
                {
                    context.Violations.Add("unexpected-resync", $"{device.AccountId}: {result.Resync.Reason}");
                }

                var applied = 0;
                for (var m = 0; m < mutations.Length; m++)
                {
                    var r = result.Results[m];
                    if (r.Id == mutations[m].Id && r.Status == "applied" && r.Version is > 0)
                    {
                        acked[mutations[m].ItemId] = r.Version.Value;
                        applied++;
                    }
                    else
                    {
                        context.Violations.Add($"unexpected-result-{r.Status}", $"{device.AccountId} mutation {mutations[m].Id}: id {r.Id}, status {r.Status}, version {r.Version}");
                    }
                }

                cursor = result.Cursor ?? cursor;
                s.RecordSuccess(call.Elapsed, applied);
            }
        });

        var unit = options.ItemsPerRequest > 1 ? "items" : "commits";
        var phases = new List<PhaseResult> { provision, PhaseResult.Merge(options.ItemsPerRequest > 1 ? "bulk" : "writes", unit, elapsed, stats) };
        var checks = new List<string>();
        if (!options.SkipReadBack)
        {
            var (readBack, check) = await ReadBackAsync(context, devices, acknowledged, cancellationToken);
            phases.Add(readBack);
            checks.Add(check);
        }

        return new WorkloadOutcome(phases, checks);
    }

    /// <summary>Pages through each worker's collection from the start and checks every acknowledged item is there with its version.</summary>
    private static async Task<(PhaseResult Phase, string Check)> ReadBackAsync(
        WorkloadContext context, IReadOnlyList<Device> devices, Dictionary<string, long>[] acknowledged, CancellationToken ct)
    {
        var workers = acknowledged.Length;
        var stats = Enumerable.Range(0, workers).Select(_ => new WorkerStats()).ToArray();
        long missing = 0, mismatched = 0, incomplete = 0;
        var started = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var seen = await CollectionReader.ReadAllAsync(context, devices[worker], Collection, 1000, stats[worker], ct);
                if (seen is null)
                {
                    Interlocked.Increment(ref incomplete);
                    context.Violations.Add("read-back-failed", $"{devices[worker].AccountId}: could not page through {Collection}");
                    return;
                }

                foreach (var (itemId, version) in acknowledged[worker])
                {
                    if (!seen.TryGetValue(itemId, out var found))
                    {
                        Interlocked.Increment(ref missing);
                        context.Violations.Add("acknowledged-write-missing", $"{devices[worker].AccountId}/{Collection}/{itemId} acknowledged at version {version}");
                    }
                    else if (found != version)
                    {
                        Interlocked.Increment(ref mismatched);
                        context.Violations.Add("acknowledged-version-mismatch", $"{devices[worker].AccountId}/{Collection}/{itemId} acknowledged at {version}, read back {found}");
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var phase = PhaseResult.Merge("read-back", "rows", Stopwatch.GetElapsedTime(started), stats);
        var total = acknowledged.Sum(a => a.Count);
        return (phase, $"read-back: {total} acknowledged items in {workers} collections; missing {missing}, version mismatches {mismatched}, collections not readable {incomplete}");
    }
}
