using System.Diagnostics;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>
/// Runs N workers until a deadline. A worker checks <see cref="Deadline"/> before each request and lets
/// the one in flight finish, so the phase's time is measured until the last worker has stopped.
/// </summary>
public sealed class TimedWorkers(TimeSpan duration)
{
    private long _deadline;

    public bool BeforeDeadline => Stopwatch.GetTimestamp() < Volatile.Read(ref _deadline);

    public long Deadline => Volatile.Read(ref _deadline);

    public async Task<(TimeSpan Elapsed, IReadOnlyList<WorkerStats> Stats)> RunAsync(
        int workers, Func<int, WorkerStats, Task> worker)
    {
        var stats = Enumerable.Range(0, workers).Select(_ => new WorkerStats()).ToArray();
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref _deadline, started + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(() => worker(i, stats[i]))));
        return (Stopwatch.GetElapsedTime(started), stats);
    }

    /// <summary>After a 503 (or 429), wait what <c>Retry-After</c> would say, but never past the deadline.</summary>
    public async Task BackOffAsync(TimeSpan wait, CancellationToken ct)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Deadline);
        var delay = wait < left ? wait : left;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, ct);
        }
    }
}
