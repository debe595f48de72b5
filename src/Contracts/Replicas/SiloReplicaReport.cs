namespace DeviceSync.Contracts.Replicas;

/// <summary>What one silo reports about every replica, every few seconds, to the replica sweeper.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.SiloReplicaReport")]
public sealed record SiloReplicaReport
{
    /// <summary>The reporting silo's address.</summary>
    [Id(0)]
    public string Silo { get; init; } = "";

    [Id(1)]
    public DateTimeOffset At { get; init; }

    [Id(2)]
    public IReadOnlyList<SiloReplicaView> Replicas { get; init; } = [];
}
