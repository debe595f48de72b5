namespace DeviceSync.Contracts.Replicas;

/// <summary>One storage replica, as the cluster sees it (the admin view, <c>GET /v1/admin/replicas</c>).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.ReplicaStatus")]
public sealed record ReplicaStatus
{
    [Id(0)]
    public int Replica { get; init; }

    /// <summary>The state its identity marker grants, as the sweeper's silo last read it.</summary>
    [Id(1)]
    public ReplicaHealthState State { get; init; }

    [Id(2)]
    public string? Reason { get; init; }

    [Id(3)]
    public DateTimeOffset? Since { get; init; }

    /// <summary>Streams it lacked entries or snapshots of at the last sweep; null before the first.</summary>
    [Id(4)]
    public int? StreamsBehind { get; init; }

    /// <summary>The most recent failed request to it from any silo, and which silo saw it.</summary>
    [Id(5)]
    public DateTimeOffset? LastErrorAt { get; init; }

    [Id(6)]
    public string? LastErrorKind { get; init; }

    [Id(7)]
    public string? LastErrorSilo { get; init; }

    /// <summary>Entries and snapshots written to it by read repair and the sweeper, summed over the reporting silos since they started.</summary>
    [Id(8)]
    public long RepairsWritten { get; init; }

    /// <summary>The journal layout it records, as the sweeper's silo last read it ("layout 1", "layout 2 (16 shards)");
    /// null from a silo of a build before layout records.</summary>
    [Id(9)]
    public string? Layout { get; init; }
}
