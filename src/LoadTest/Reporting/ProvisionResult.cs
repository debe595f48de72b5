namespace DeviceSync.LoadTest.Reporting;

/// <summary>What <c>provision</c> measured: totals, rates, per-call latency, errors (each retried) and progress over time.</summary>
public sealed record ProvisionResult
{
    public required string CommandLine { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Gateway { get; init; }
    public required long Accounts { get; init; }
    public required long Devices { get; init; }
    public required int AccountsPerCall { get; init; }
    public required int ConcurrentCalls { get; init; }
    public required double Seconds { get; init; }
    public required double DevicesPerSecond { get; init; }
    public required double AccountsPerSecond { get; init; }
    public required long Calls { get; init; }
    public required LatencySummary CallLatencyMs { get; init; }
    public required IReadOnlyDictionary<string, int> Errors { get; init; }
    public required IReadOnlyList<ProgressSample> Progress { get; init; }
}
