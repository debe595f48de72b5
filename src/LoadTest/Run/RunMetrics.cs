using System.Collections.Concurrent;
using System.Diagnostics;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// Counters of the whole run plus one <see cref="SecondBucket"/> per second since the load started; read by the
/// live view while devices write to it, and turned into the report's totals and timeline at the end.
/// </summary>
public sealed class RunMetrics
{
    private readonly ConcurrentDictionary<int, SecondBucket> _seconds = new();
    private readonly ConcurrentDictionary<OperationKind, long> _operationsByKind = new();
    private readonly ConcurrentDictionary<string, long> _resyncs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _handBacks = new(StringComparer.Ordinal);
    private long _started = Stopwatch.GetTimestamp();
    private long _operations;
    private long _requests;
    private long _acknowledged;
    private long _conflicts;
    private long _duplicates;
    private long _retries;
    private long _failures;
    private long _errors;
    private long _missedSlots;
    private long _retryAfters;
    private int _devicesStarted;

    public void Start() => Volatile.Write(ref _started, Stopwatch.GetTimestamp());

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Volatile.Read(ref _started));

    public long Operations => Interlocked.Read(ref _operations);
    public long Requests => Interlocked.Read(ref _requests);
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Conflicts => Interlocked.Read(ref _conflicts);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Retries => Interlocked.Read(ref _retries);
    public long Failures => Interlocked.Read(ref _failures);
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Error answers that carried <c>Retry-After</c> (and were waited out before the resend).</summary>
    public long RetryAfters => Interlocked.Read(ref _retryAfters);

    /// <summary>Devices (closed loop: workers) started so far; below the total only while <c>--ramp-up</c> runs.</summary>
    public int DevicesStarted => Volatile.Read(ref _devicesStarted);

    /// <summary>Open loop only: moments an operation was due but every device was busy.</summary>
    public long MissedSlots => Interlocked.Read(ref _missedSlots);

    public IReadOnlyDictionary<OperationKind, long> OperationsByKind => new SortedDictionary<OperationKind, long>(_operationsByKind);

    public void RecordRequest(TimeSpan latency)
    {
        Interlocked.Increment(ref _requests);
        Current.AddRequest(latency.TotalMilliseconds);
    }

    public void RecordError(string code)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _errors);
        Current.AddError(code);
    }

    public void RecordRetry()
    {
        Interlocked.Increment(ref _retries);
        Current.AddRetry();
    }

    public void RecordRetryAfter() => Interlocked.Increment(ref _retryAfters);

    public void RecordDeviceStarted() => Interlocked.Increment(ref _devicesStarted);

    public void RecordOperation(OperationKind kind, long acknowledged, long conflicts, long duplicates)
    {
        Interlocked.Increment(ref _operations);
        Interlocked.Add(ref _acknowledged, acknowledged);
        Interlocked.Add(ref _conflicts, conflicts);
        Interlocked.Add(ref _duplicates, duplicates);
        _operationsByKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        Current.AddOperation(acknowledged);
    }

    /// <summary>An operation whose request ultimately failed (retries exhausted or a non-retryable answer): a device-visible failure.</summary>
    public void RecordFailure()
    {
        Interlocked.Increment(ref _failures);
        Current.AddFailure();
    }

    public void RecordMissedSlot() => Interlocked.Increment(ref _missedSlots);

    /// <summary>A collection answer carried <c>resync</c> with <paramref name="reason"/> (server-behind, epoch-changed, cursor-expired).</summary>
    public void RecordResync(string reason) => _resyncs.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>
    /// One step of handing data back after a resync, by what happened: <c>restore-applied</c>, <c>restore-duplicate</c>,
    /// <c>restore-conflict</c>, <c>held-delete-resent</c>, <c>held-delete-superseded</c>, <c>mass-delete-confirmed</c>, <c>restore-unlisted</c>, <c>restore-regressed</c>.
    /// </summary>
    public void RecordHandBack(string outcome) => _handBacks.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> ResyncsByReason => new SortedDictionary<string, long>(_resyncs, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> HandBacks => new SortedDictionary<string, long>(_handBacks, StringComparer.Ordinal);

    /// <summary>The bucket of a whole second already past (for the live view); null before the first second ends.</summary>
    public TimelinePoint? LastCompleteSecond()
    {
        var second = (int)Elapsed.TotalSeconds - 1;
        return second < 0 ? null : Bucket(second).Snapshot(second);
    }

    public IReadOnlyList<TimelinePoint> Timeline()
    {
        var last = _seconds.IsEmpty ? -1 : _seconds.Keys.Max();
        return [.. Enumerable.Range(0, last + 1).Select(s => Bucket(s).Snapshot(s))];
    }

    public double[] AllLatenciesSorted()
    {
        var all = _seconds.Values.SelectMany(b => b.Latencies()).ToArray();
        Array.Sort(all);
        return all;
    }

    public IReadOnlyDictionary<string, long> ErrorsByCode()
    {
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (code, count) in _seconds.Values.SelectMany(b => b.ErrorCounts()))
        {
            totals[code] = totals.GetValueOrDefault(code) + count;
        }

        return totals;
    }

    private SecondBucket Current => Bucket((int)Elapsed.TotalSeconds);

    private SecondBucket Bucket(int second) => _seconds.GetOrAdd(second, _ => new SecondBucket());
}
