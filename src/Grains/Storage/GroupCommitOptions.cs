namespace DeviceSync.Grains.Storage;

/// <summary>
/// Group commit (section <c>Storage:GroupCommit</c>, docs/adr/0010-group-commit.md): journal layout 2, where streams share
/// shard partitions, and a batcher that sends the appends waiting for one replica and shard in one transaction.
/// For new deployments only: a replica holding the other layout refuses to open (there is no migration yet).
/// </summary>
public sealed class GroupCommitOptions
{
    /// <summary>Off: layout 1, one transaction per append per replica (every deployment so far).</summary>
    public bool Enabled { get; set; }

    /// <summary>S, the shard partitions per replica. Fixed when the table is created and recorded in the marker row.</summary>
    public int Shards { get; set; } = 16;
}
