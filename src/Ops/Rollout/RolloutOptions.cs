namespace DeviceSync.Ops.Rollout;

public sealed record RolloutOptions
{
    /// <summary>How long a silo may take to stop: its <c>Silo:ShutdownTimeout</c> (30 s by default) plus a margin.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a new silo may take to become ready and be seen Active by the cluster.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long to watch the gateway's error count after each silo before going on.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Server errors (5xx answered by the gateway) a single silo's replacement may add before the rollout stops.</summary>
    public long MaxNewErrors { get; init; }
}
