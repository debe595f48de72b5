namespace DeviceSync.Contracts.Replicas;

/// <summary>One silo's view of one storage replica. Errors are exception type names, never messages (they can carry URIs).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.SiloReplicaView")]
public sealed record SiloReplicaView
{
    [Id(0)]
    public int Replica { get; init; }

    [Id(1)]
    public ReplicaHealthState State { get; init; }

    /// <summary>Why it is not healthy (e.g. "journal table was missing"); null when healthy.</summary>
    [Id(2)]
    public string? Reason { get; init; }

    /// <summary>Since when it has been in <see cref="State"/>.</summary>
    [Id(3)]
    public DateTimeOffset? Since { get; init; }

    [Id(4)]
    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>The exception type of the last failed request (e.g. "TimeoutException", "RequestFailedException").</summary>
    [Id(5)]
    public string? LastErrorKind { get; init; }

    [Id(6)]
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Entries and snapshots this silo wrote to the replica because it lacked them, since the silo started.</summary>
    [Id(7)]
    public long RepairsWritten { get; init; }

    /// <summary>Streams the replica lacked something of at the last sweep this silo ran; null if none ran here.</summary>
    [Id(8)]
    public int? StreamsBehind { get; init; }
}
