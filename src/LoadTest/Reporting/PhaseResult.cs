namespace DeviceSync.LoadTest.Reporting;

/// <summary>
/// One measured phase (provision, writes, seed, read, ...): how long it ran, how many requests and units
/// (devices, applied mutations, change rows, round trips) it completed, their rate, latency and errors.
/// </summary>
public sealed record PhaseResult
{
    public required string Name { get; init; }
    public required string Unit { get; init; }
    public required double Seconds { get; init; }
    public required long Requests { get; init; }
    public required long Succeeded { get; init; }
    public required long Units { get; init; }
    public required int Workers { get; init; }
    public required LatencySummary LatencyMs { get; init; }
    public required IReadOnlyDictionary<string, int> Errors { get; init; }

    public double RequestsPerSecond => Seconds > 0 ? Succeeded / Seconds : 0;
    public double UnitsPerSecond => Seconds > 0 ? Units / Seconds : 0;

    public static PhaseResult Merge(string name, string unit, TimeSpan elapsed, IReadOnlyCollection<WorkerStats> workers)
    {
        var latencies = workers.SelectMany(w => w.LatenciesMs).ToList();
        latencies.Sort();
        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, count) in workers.SelectMany(w => w.Errors))
        {
            errors[key] = errors.GetValueOrDefault(key) + count;
        }

        return new PhaseResult
        {
            Name = name,
            Unit = unit,
            Seconds = elapsed.TotalSeconds,
            Requests = workers.Sum(w => w.Requests),
            Succeeded = latencies.Count,
            Units = workers.Sum(w => w.Units),
            Workers = workers.Count,
            LatencyMs = LatencySummary.From(latencies),
            Errors = errors,
        };
    }
}
