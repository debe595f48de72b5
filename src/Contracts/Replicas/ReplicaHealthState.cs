namespace DeviceSync.Contracts.Replicas;

/// <summary>A storage replica's state as the wire carries it (see the storage README, "Replica identity").</summary>
public enum ReplicaHealthState
{
    /// <summary>Not reached yet.</summary>
    Unknown = 0,

    /// <summary>Holds everything it acknowledged: counts toward the read and write quorums.</summary>
    Healthy = 1,

    /// <summary>Lost data (wiped, replaced): written to and refilled by the sweeper, counted toward nothing until healed.</summary>
    Unhealed = 2,
}
