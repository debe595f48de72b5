namespace DeviceSync.Grains.Storage;

/// <summary>
/// The answers that decided a quorum write (<see cref="Decided"/>) and all answers once every replica has
/// answered (<see cref="All"/>, for work after the decision such as a fenced writer's clean-up).
/// </summary>
internal sealed record QuorumResult(IReadOnlyList<ReplicaWriteResult> Decided, Task<ReplicaWriteResult[]> All)
{
    public int Acknowledged => Decided.Count(r => r.Outcome == ReplicaOutcome.Acknowledged);
}
