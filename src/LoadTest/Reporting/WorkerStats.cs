namespace DeviceSync.LoadTest.Reporting;

/// <summary>
/// What one worker saw in one phase. Owned by that worker alone while it runs (no locks on the hot path);
/// merged into a <see cref="PhaseResult"/> afterwards.
/// </summary>
public sealed class WorkerStats
{
    public List<double> LatenciesMs { get; } = new(4096);
    public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);
    public long Requests { get; private set; }
    public long Units { get; private set; }

    public void RecordSuccess(TimeSpan elapsed, long units)
    {
        Requests++;
        Units += units;
        LatenciesMs.Add(elapsed.TotalMilliseconds);
    }

    public void RecordError(string key)
    {
        Requests++;
        Errors[key] = Errors.GetValueOrDefault(key) + 1;
    }
}
