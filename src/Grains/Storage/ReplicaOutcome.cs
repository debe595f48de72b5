namespace DeviceSync.Grains.Storage;

/// <summary>How one replica answered one write.</summary>
internal enum ReplicaOutcome
{
    None = 0,

    /// <summary>The replica holds our write (inserted now, or found from an earlier try of the same write).</summary>
    Acknowledged = 1,

    /// <summary>The replica holds another writer's entry at that sequence: we are fenced.</summary>
    Conflict = 2,

    /// <summary>The replica failed, timed out or is unreachable.</summary>
    Failed = 3,
}
