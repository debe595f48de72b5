namespace DeviceSync.Contracts.Replicas;

/// <summary>Every storage replica and the sweeper, as <c>GET /v1/admin/replicas</c> shows them.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.ReplicaHealthOverview")]
public sealed record ReplicaHealthOverview
{
    [Id(0)]
    public DateTimeOffset ObservedAt { get; init; }

    [Id(1)]
    public IReadOnlyList<ReplicaStatus> Replicas { get; init; } = [];

    [Id(2)]
    public SweepStatus Sweep { get; init; } = new();

    /// <summary>Silos whose reports (each within the last minute) the view is built from.</summary>
    [Id(3)]
    public int SilosReporting { get; init; }
}
