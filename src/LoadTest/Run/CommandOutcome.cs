namespace DeviceSync.LoadTest.Run;

/// <summary>What a <c>--at</c> command did: when it ran (seconds into the load), its exit code and output.</summary>
public sealed record CommandOutcome
{
    public required double AtSeconds { get; init; }
    public required string Command { get; init; }
    public required double StartedSeconds { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary>The exit code; null when it could not be started or did not finish in time (then killed).</summary>
    public int? ExitCode { get; init; }

    public string Output { get; init; } = "";
    public string? Error { get; init; }
}
