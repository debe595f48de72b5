using System.Diagnostics;
using System.Globalization;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>
/// <c>changes</c>: seeds one collection with N items (bulk puts of up to 500 per request), then readers —
/// each a device of the same account — page through the whole collection from <c>cursor: null</c>, again
/// and again, like new devices catching up. Each complete pass is checked: N rows, ascending versions.
/// </summary>
public sealed class ChangesWorkload : IWorkload
{
    private const string Collection = "bench";
    private const int SeedBatch = 500;

    public async Task<WorkloadOutcome> RunAsync(WorkloadContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var account = new ProvisionAccount($"bc-{options.RunId}", options.Readers + 1);
        var (provision, devices) = await Provisioner.ProvisionAsync(context, [account], cancellationToken);

        var (seed, seeded) = await SeedAsync(context, devices[0], cancellationToken);

        long passes = 0, badPasses = 0;
        var timer = new TimedWorkers(options.Duration);
        var (elapsed, stats) = await timer.RunAsync(options.Readers, async (worker, s) =>
        {
            var device = devices[worker + 1];
            while (timer.BeforeDeadline)
            {
                string? cursor = null;
                long rows = 0, lastVersion = 0;
                var ordered = true;
                var complete = false;
                while (timer.BeforeDeadline)
                {
                    var request = new SyncRequest([new CollectionSync { Name = Collection, Cursor = cursor, Limit = options.Page }]);
                    var call = await context.Client.SyncAsync(device.Token, request, cancellationToken);
                    if (!call.Succeeded)
                    {
                        s.RecordError(call.ErrorKey);
                        await timer.BackOffAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                        break; // start the pass again
                    }

                    var result = call.Body!.Collections.SingleOrDefault(c => c.Name == Collection);
                    if (result is null || result.Resync is not null)
                    {
                        context.Violations.Add("unexpected-resync", $"reader {worker}: {result?.Resync?.Reason ?? "collection missing"}");
                        s.RecordSuccess(call.Elapsed, 0);
                        break;
                    }

                    foreach (var row in result.Changes)
                    {
                        ordered &= row.Version > lastVersion;
                        lastVersion = row.Version;
                    }

                    rows += result.Changes.Count;
                    s.RecordSuccess(call.Elapsed, result.Changes.Count);
                    if (!result.HasMore)
                    {
                        complete = true;
                        break;
                    }

                    cursor = result.Cursor;
                }

                if (complete)
                {
                    Interlocked.Increment(ref passes);
                    if (rows != seeded || !ordered)
                    {
                        Interlocked.Increment(ref badPasses);
                        context.Violations.Add("bad-pass", $"reader {worker}: {rows} rows (seeded {seeded}), ascending versions: {ordered}");
                    }
                }
            }
        });

        var read = PhaseResult.Merge("read", "change rows", elapsed, stats);
        var check = string.Create(CultureInfo.InvariantCulture,
            $"changes: {passes} complete passes over {seeded} items by {options.Readers} readers (page {options.Page}); passes with wrong row count or order: {badPasses}");
        return new WorkloadOutcome([provision, seed, read], [check]);
    }

    private static async Task<(PhaseResult Phase, long Seeded)> SeedAsync(WorkloadContext context, Device device, CancellationToken ct)
    {
        var options = context.Options;
        var items = new ItemFactory(options.ItemBytes);
        var stats = new WorkerStats();
        string? cursor = null;
        long nextId = 1, seeded = 0;
        var failures = 0;
        var started = Stopwatch.GetTimestamp();
        while (seeded < options.Items)
        {
            var count = (int)Math.Min(SeedBatch, options.Items - seeded);
            var firstId = nextId;
            var mutations = new Mutation[count];
            for (var m = 0; m < count; m++, nextId++)
            {
                var itemId = string.Create(CultureInfo.InvariantCulture, $"c-{nextId}");
                mutations[m] = new Mutation { Id = nextId, Op = "put", ItemId = itemId, BaseVersion = 0, Data = items.Create(itemId, nextId) };
            }

            var request = new SyncRequest([new CollectionSync { Name = Collection, Cursor = cursor, Limit = SeedBatch, Mutations = mutations }]);
            var call = await context.Client.SyncAsync(device.Token, request, ct);
            if (!call.Succeeded)
            {
                stats.RecordError(call.ErrorKey);
                if (++failures > 10 || !call.IsServerFailure)
                {
                    throw new BenchAbortedException($"seeding failed: {call.ErrorKey}");
                }

                // Resend the same mutations (same ids): whatever of them was applied comes back as duplicate.
                nextId = firstId;
                await Task.Delay(200, ct);
                continue;
            }

            var result = call.Body!.Collections.Single(c => c.Name == Collection);
            var ok = result.Results.Count(r => r.Status is "applied" or "duplicate");
            if (ok != count)
            {
                throw new BenchAbortedException($"seeding: {ok} of {count} puts applied");
            }

            seeded += count;
            cursor = result.Cursor ?? cursor;
            stats.RecordSuccess(call.Elapsed, count);
        }

        return (PhaseResult.Merge("seed", "items", Stopwatch.GetElapsedTime(started), [stats]), seeded);
    }
}
