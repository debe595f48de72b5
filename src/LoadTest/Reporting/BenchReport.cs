namespace DeviceSync.LoadTest.Reporting;

/// <summary>Everything one <c>bench</c> run measured and checked; printed as a table and optionally written as JSON.</summary>
public sealed record BenchReport
{
    public required string Workload { get; init; }
    public required string CommandLine { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Gateway { get; init; }
    public required int Concurrency { get; init; }
    public required int ProcessorCount { get; init; }
    public required IReadOnlyList<PhaseResult> Phases { get; init; }
    public required IReadOnlyList<string> Checks { get; init; }
    public required IReadOnlyDictionary<string, int> Violations { get; init; }
    public required IReadOnlyList<string> ViolationExamples { get; init; }

    public bool HasServerFailures => Phases.Any(p => p.Errors.Keys.Any(IsServerFailure));

    public bool Clean => !HasServerFailures && Violations.Count == 0;

    /// <summary>5xx statuses and transport failures (no response at all) fail a run; 4xx are reported but are the harness's own fault.</summary>
    private static bool IsServerFailure(string key) =>
        key.StartsWith('5') || key.StartsWith("timeout", StringComparison.Ordinal)
        || key.StartsWith("transport", StringComparison.Ordinal) || key.StartsWith("protocol", StringComparison.Ordinal);
}
