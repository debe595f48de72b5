namespace DeviceSync.Grains.Storage;

/// <summary>
/// The answers that decided a quorum write (<see cref="Decided"/>), how many of them were acknowledgements that count
/// toward the quorum (<see cref="Acknowledged"/>: healthy replicas only), and all answers once every replica has
/// answered (<see cref="All"/>, for work after the decision such as a fenced writer's clean-up).
/// </summary>
internal sealed record QuorumResult(IReadOnlyList<ReplicaWriteResult> Decided, Task<ReplicaWriteResult[]> All, int Acknowledged);
