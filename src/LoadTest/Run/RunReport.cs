using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Run;

/// <summary>Everything one <c>run</c> measured and checked: written as report.json, report.md and report.html.</summary>
public sealed record RunReport
{
    public required string RunId { get; init; }
    public required string CommandLine { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Gateway { get; init; }
    public required int ProcessorCount { get; init; }
    public required int Accounts { get; init; }
    public required int DevicesPerAccount { get; init; }
    public required int Devices { get; init; }

    /// <summary><c>closed</c> (N devices in flight) or <c>open</c> (a target rate).</summary>
    public required string Loop { get; init; }

    public int? Concurrency { get; init; }
    public double? TargetRate { get; init; }
    public required string Mix { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary><c>--ramp-up</c> in seconds (0: every device started at once).</summary>
    public double RampUpSeconds { get; init; }

    /// <summary>When the load was ended before <see cref="DurationSeconds"/> was up (Ctrl+C once); null when it ran its full duration.</summary>
    public double? LoadEndedEarlyAtSeconds { get; init; }

    public required PhaseResult Provision { get; init; }
    public required double LoadSeconds { get; init; }
    public required long Operations { get; init; }
    public required long Requests { get; init; }
    public required double OperationsPerSecond { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required long AcknowledgedWrites { get; init; }
    public required double AcknowledgedWritesPerSecond { get; init; }
    public required long Conflicts { get; init; }
    public required long Duplicates { get; init; }
    public required long Retries { get; init; }

    /// <summary>Error answers that carried <c>Retry-After</c> (503 from admission control or the cluster, 429), each waited out.</summary>
    public long RetryAfterAnswers { get; init; }

    /// <summary>Requests with no answer within <c>--timeout</c> (the "timeout" entry of <see cref="ErrorsByCode"/>).</summary>
    public long TimedOutRequests { get; init; }
    public required long DeviceVisibleFailures { get; init; }
    public required long MissedOpenLoopSlots { get; init; }
    public required LatencySummary LatencyMs { get; init; }
    public required IReadOnlyDictionary<string, long> ErrorsByCode { get; init; }
    public required IReadOnlyDictionary<string, long> OperationsByKind { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required IReadOnlyList<CommandOutcome> Commands { get; init; }
    public required IReadOnlyDictionary<string, int> Violations { get; init; }

    /// <summary><c>resync</c> answers by reason (server-behind, epoch-changed, cursor-expired); expected only with <c>--expect-data-loss</c>.</summary>
    public IReadOnlyDictionary<string, long> ResyncsByReason { get; init; } = new Dictionary<string, long>();

    /// <summary>What the devices' hand-backs after resyncs came to (restore-applied, restore-duplicate, restore-conflict, …).</summary>
    public IReadOnlyDictionary<string, long> HandBacks { get; init; } = new Dictionary<string, long>();

    /// <summary><c>--expect-data-loss</c>: resyncs were expected (and are not violations).</summary>
    public bool ExpectDataLoss { get; init; }
    public required IReadOnlyList<string> ViolationExamples { get; init; }
    public required CheckerVerdict Checker { get; init; }
    public required int ExitCode { get; init; }

    /// <summary>One line for people: clean, or what went wrong.</summary>
    public required string Verdict { get; init; }
}
