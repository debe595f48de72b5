namespace DeviceSync.Grains.Storage;

/// <summary>
/// Group commit (section <c>Storage:GroupCommit</c>, docs/adr/0010-group-commit.md): journal layout 2, where streams share
/// shard partitions, and a batcher that sends the appends waiting for one replica and shard in one transaction.
/// Each replica records the layout it is written in, and every silo follows the record, so this setting decides only the
/// layout of a replica that holds no journal yet (new, or emptied by <c>ops relayout</c>, which is how an existing
/// deployment moves to layout 2, one replica at a time).
/// </summary>
public sealed class GroupCommitOptions
{
    /// <summary>Off: new replicas get layout 1, one transaction per append per replica.</summary>
    public bool Enabled { get; set; }

    /// <summary>S, the shard partitions of a new replica in layout 2. Recorded with its layout; a replica keeps its own S.</summary>
    public int Shards { get; set; } = 16;
}
