namespace DeviceSync.Grains.Storage;

/// <summary>One silo's view of one replica at one moment (see <see cref="ReplicaHealth"/>).</summary>
/// <param name="StreamsBehind">Streams this replica lacked entries or snapshots of at the last sweep this silo ran (null: none ran here).</param>
public sealed record ReplicaHealthSnapshot(
    int Replica,
    ReplicaState State,
    string? Reason,
    DateTimeOffset? Since,
    DateTimeOffset? LastErrorAt,
    string? LastErrorKind,
    DateTimeOffset? LastSuccessAt,
    long RepairsWritten,
    int? StreamsBehind);
