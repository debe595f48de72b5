namespace DeviceSync.Grains.Storage;

/// <summary>
/// Whether a replica's answers count toward the read and write quorums. Only a replica that has never lost what it
/// acknowledged (its identity marker is intact) is <see cref="Healthy"/>; see README.md, "Replica identity".
/// </summary>
public enum ReplicaState
{
    /// <summary>Not yet seen by this silo (unreachable since start): counts toward nothing.</summary>
    Unknown = 0,

    /// <summary>Its marker is intact: it holds everything it acknowledged.</summary>
    Healthy = 1,

    /// <summary>It lost data (wiped, replaced, table or container deleted): written to and repaired, but not counted
    /// toward R or W until a sweep has refilled it with every stream a quorum holds.</summary>
    Unhealed = 2,
}
