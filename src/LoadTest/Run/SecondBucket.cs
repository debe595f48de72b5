namespace DeviceSync.LoadTest.Run;

/// <summary>What happened in one second of the run (by completion time). Many devices add to it at once, so it locks.</summary>
public sealed class SecondBucket
{
    private readonly Lock _lock = new();
    private readonly List<double> _latenciesMs = [];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _operations;
    private long _acknowledged;
    private long _retries;
    private long _failures;

    public void AddRequest(double latencyMs)
    {
        lock (_lock)
        {
            _latenciesMs.Add(latencyMs);
        }
    }

    public void AddError(string code)
    {
        lock (_lock)
        {
            _errors[code] = _errors.GetValueOrDefault(code) + 1;
        }
    }

    public void AddOperation(long acknowledged)
    {
        lock (_lock)
        {
            _operations++;
            _acknowledged += acknowledged;
        }
    }

    public void AddRetry()
    {
        lock (_lock)
        {
            _retries++;
        }
    }

    public void AddFailure()
    {
        lock (_lock)
        {
            _failures++;
        }
    }

    public TimelinePoint Snapshot(int second)
    {
        lock (_lock)
        {
            var sorted = _latenciesMs.ToArray();
            Array.Sort(sorted);
            return new TimelinePoint
            {
                Second = second,
                Operations = _operations,
                Requests = sorted.Length + _errors.Values.Sum(),
                Acknowledged = _acknowledged,
                Retries = _retries,
                Failures = _failures,
                Errors = _errors.Values.Sum(),
                P50Ms = Reporting.Percentiles.NearestRank(sorted, 0.50),
                P99Ms = Reporting.Percentiles.NearestRank(sorted, 0.99),
                MaxMs = sorted.Length == 0 ? 0 : sorted[^1],
            };
        }
    }

    public double[] Latencies()
    {
        lock (_lock)
        {
            return [.. _latenciesMs];
        }
    }

    public IReadOnlyDictionary<string, long> ErrorCounts()
    {
        lock (_lock)
        {
            return new Dictionary<string, long>(_errors, StringComparer.Ordinal);
        }
    }
}
