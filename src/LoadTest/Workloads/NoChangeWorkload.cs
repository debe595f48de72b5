using System.Globalization;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>
/// <c>nochange</c>: the commonest real request — a device asking "anything new?" with its current cursor and
/// no mutations. Each worker primes its own collection with one item to get a cursor, then polls.
/// Every answer must be empty: no changes, no resync, the same cursor.
/// </summary>
public sealed class NoChangeWorkload : IWorkload
{
    private const string Collection = "bench";

    public async Task<WorkloadOutcome> RunAsync(WorkloadContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var accounts = Enumerable.Range(0, options.Devices)
            .Select(i => new ProvisionAccount($"bn-{options.RunId}-{i:D5}", 1))
            .ToList();
        var (provision, devices) = await Provisioner.ProvisionAsync(context, accounts, cancellationToken);
        var items = new ItemFactory(options.ItemBytes);

        var cursors = new string[options.Concurrency];
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async worker =>
        {
            var put = new Mutation { Id = 1, Op = "put", ItemId = "prime", BaseVersion = 0, Data = items.Create("prime", 1) };
            var call = await context.Client.SyncAsync(devices[worker].Token,
                new SyncRequest([new CollectionSync { Name = Collection, Cursor = null, Mutations = [put] }]), cancellationToken);
            cursors[worker] = call.Body?.Collections.SingleOrDefault()?.Cursor
                ?? throw new BenchAbortedException($"priming {devices[worker].AccountId} failed: {call.ErrorKey}");
        }));

        // The same request every time for a worker: serialised once, as a device would keep its poll.
        var requests = Enumerable.Range(0, options.Concurrency)
            .Select(worker => GatewayClient.Serialize(new SyncRequest([new CollectionSync { Name = Collection, Cursor = cursors[worker] }])))
            .ToArray();

        async Task PollUntilDeadlineAsync(TimedWorkers timer, int worker, WorkerStats s)
        {
            var device = devices[worker];
            while (timer.BeforeDeadline)
            {
                var call = await context.Client.SyncAsync(device.Token, requests[worker], cancellationToken);
                if (!call.Succeeded)
                {
                    s.RecordError(call.ErrorKey);
                    await timer.BackOffAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                    continue;
                }

                var result = call.Body!.Collections.SingleOrDefault(c => c.Name == Collection);
                if (result is null || result.Changes.Count != 0 || result.Resync is not null || result.Cursor != cursors[worker])
                {
                    context.Violations.Add("nochange-not-empty", string.Create(CultureInfo.InvariantCulture,
                        $"{device.AccountId}: {result?.Changes.Count} changes, resync {result?.Resync?.Reason}, cursor {result?.Cursor} (sent {cursors[worker]})"));
                }

                s.RecordSuccess(call.Elapsed, 1);
            }
        }

        async Task<PhaseResult> PollAsync(string phase, TimeSpan duration)
        {
            var timer = new TimedWorkers(duration);
            var (elapsed, stats) = await timer.RunAsync(options.Concurrency, (worker, s) => PollUntilDeadlineAsync(timer, worker, s));
            return PhaseResult.Merge(phase, "round trips", elapsed, stats);
        }

        // The warm-up is a phase of its own in the report, so its errors and wrong answers count, but not in the rate.
        var phases = new List<PhaseResult> { provision };
        if (options.Warmup > TimeSpan.Zero)
        {
            phases.Add(await PollAsync("warmup", options.Warmup));
        }

        phases.Add(await PollAsync("nochange", options.Duration));
        return new WorkloadOutcome(phases, []);
    }
}
