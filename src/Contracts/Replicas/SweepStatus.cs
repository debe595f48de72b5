namespace DeviceSync.Contracts.Replicas;

/// <summary>The replica sweeper: the sweep running now, if any, and the last one completed.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.SweepStatus")]
public sealed record SweepStatus
{
    [Id(0)]
    public bool Enabled { get; init; }

    [Id(1)]
    public bool Running { get; init; }

    /// <summary>The silo the sweeper runs on.</summary>
    [Id(2)]
    public string? Silo { get; init; }

    [Id(3)]
    public DateTimeOffset? StartedAt { get; init; }

    [Id(4)]
    public long StreamsTotal { get; init; }

    [Id(5)]
    public long StreamsChecked { get; init; }

    [Id(6)]
    public long StreamsBehind { get; init; }

    [Id(7)]
    public long StreamsRepaired { get; init; }

    [Id(8)]
    public long RepairsFailed { get; init; }

    [Id(9)]
    public DateTimeOffset? LastCompletedAt { get; init; }

    [Id(10)]
    public TimeSpan? LastDuration { get; init; }

    /// <summary>"completed", or "failed: {exception type}".</summary>
    [Id(11)]
    public string? LastOutcome { get; init; }

    /// <summary>Replicas the last completed sweep marked healthy again.</summary>
    [Id(12)]
    public IReadOnlyList<int> LastHealed { get; init; } = [];
}
