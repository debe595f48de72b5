namespace DeviceSync.LoadTest.Run;

/// <summary>One second of the run: completed operations, requests, acknowledged writes and latency of the successful requests.</summary>
public sealed record TimelinePoint
{
    public int Second { get; init; }
    public long Operations { get; init; }
    public long Requests { get; init; }
    public long Acknowledged { get; init; }
    public long Retries { get; init; }
    public long Failures { get; init; }
    public long Errors { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
}
