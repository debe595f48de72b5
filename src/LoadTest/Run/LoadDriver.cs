using System.Collections.Concurrent;
using System.Diagnostics;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// Drives the simulated devices for the run's duration. Closed loop: N workers, each cycling through its own
/// devices, one operation after another (with <c>--ramp-up</c>, worker i of N starts i/N of the way through it). Open loop: operations start at the target rate on whichever device is
/// idle, however long the earlier ones take (a slot with no idle device is counted as missed; with <c>--ramp-up</c> the
/// rate climbs linearly to the target). Either way a
/// device never has two operations in flight, and after the deadline every device with pending mutations
/// syncs once more so that their outcome is known before the checker runs. Ending the load early (<c>endLoad</c>:
/// the first Ctrl+C, or a test whose fault has played out) counts as the deadline: no new operation starts, the ones in
/// flight finish with their resends, and the pending ones are settled the same way.
/// </summary>
public sealed class LoadDriver(RunContext context, IReadOnlyList<SimulatedDevice> devices)
{
    private readonly RunOptions _options = context.Options;

    public async Task RunAsync(CancellationToken ct, CancellationToken endLoad = default)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.Duration.TotalSeconds * Stopwatch.Frequency);
        if (_options.OpenLoop)
        {
            await RunOpenLoopAsync(deadline, ct, endLoad);
        }
        else
        {
            await RunClosedLoopAsync(deadline, ct, endLoad);
        }

        await FlushPendingAsync(ct);
    }

    private TimeSpan BudgetUntil(long deadline)
    {
        // Retrying may run past the deadline by at most the retry budget, never more.
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        return left > TimeSpan.Zero ? _options.RetryBudget : _options.RetryBudget / 2;
    }

    private async Task RunClosedLoopAsync(long deadline, CancellationToken ct, CancellationToken endLoad)
    {
        var workers = _options.ClosedLoopConcurrency;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = devices.Where(d => d.Index % workers == w).ToArray();
            var next = 0;
            var wait = RampUp.StartOffset(w, workers, _options.RampUp) - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                using var waitOrEnd = CancellationTokenSource.CreateLinkedTokenSource(ct, endLoad);
                try
                {
                    await Task.Delay(wait, waitOrEnd.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return; // the load ended before this worker's turn in the ramp-up came
                }
            }

            context.Metrics.RecordDeviceStarted();
            while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested && !endLoad.IsCancellationRequested)
            {
                var device = mine[next];
                next = (next + 1) % mine.Length;
                await device.RunAsync(_options.Mix.Pick(device.Random), context, BudgetUntil(deadline), ct);
            }
        }, ct)));
    }

    private async Task RunOpenLoopAsync(long deadline, CancellationToken ct, CancellationToken endLoad)
    {
        var idle = new ConcurrentQueue<SimulatedDevice>(devices);
        var inFlight = new ConcurrentDictionary<Task, byte>();
        var rate = _options.Rate!.Value;
        var started = Stopwatch.GetTimestamp();
        long issued = 0;
        while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested && !endLoad.IsCancellationRequested)
        {
            var due = (long)RampUp.OperationsDue(Stopwatch.GetElapsedTime(started), rate, _options.RampUp);
            for (; issued < due; issued++)
            {
                if (!idle.TryDequeue(out var device))
                {
                    context.Metrics.RecordMissedSlot();
                    continue;
                }

                var task = Task.Run(async () =>
                {
                    try
                    {
                        await device.RunAsync(_options.Mix.Pick(device.Random), context, BudgetUntil(deadline), ct);
                    }
                    finally
                    {
                        idle.Enqueue(device);
                    }
                }, ct);
                inFlight[task] = 0;
                _ = task.ContinueWith(t => inFlight.TryRemove(t, out _), TaskScheduler.Default);
            }

            await Task.Delay(5, ct);
        }

        await Task.WhenAll(inFlight.Keys);
    }

    private async Task FlushPendingAsync(CancellationToken ct)
    {
        // After injected data loss every device syncs once more, so one that last synced before the loss learns of it
        // (resync) and hands back what it holds before the checker reads; otherwise only devices with pending writes.
        var withPending = devices.Where(d => d.PendingCount > 0 || _options.ExpectDataLoss).ToList();
        using var gate = new SemaphoreSlim(Math.Max(1, _options.ClosedLoopConcurrency));
        await Task.WhenAll(withPending.Select(async device =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await device.RunAsync(OperationKind.NoChange, context, _options.RetryBudget / 2, ct);
                device.AbandonPending();
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
