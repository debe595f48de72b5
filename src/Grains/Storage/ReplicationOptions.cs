namespace DeviceSync.Grains.Storage;

/// <summary>The storage replicas of the journal and the write quorum (section <c>Storage</c>).</summary>
public sealed class ReplicationOptions
{
    public const string SectionName = "Storage";

    /// <summary>Connection strings, one per independent storage replica (N = Count).</summary>
    public List<string> Replicas { get; set; } = [];

    /// <summary>W: replicas that must hold an entry before it is acknowledged. Reads need R = N - W + 1, so R + W &gt; N.</summary>
    public int WriteQuorum { get; set; } = 2;

    /// <summary>Prefix of the table and blob container names (letters and digits, starting with a letter).</summary>
    public string TablePrefix { get; set; } = "devicesync";

    /// <summary>How long one request to one replica may take before that replica counts as failed.</summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stream opens one silo runs at once; the rest wait their turn. An open reads a whole partition from every
    /// replica; a burst of them (a thousand devices starting together, a silo's grains moving) used to flood the
    /// replicas past <see cref="ReplicaTimeout"/>, fail, and be retried into the same flood. Queued, they finish.
    /// </summary>
    public int MaxConcurrentOpens { get; set; } = 16;

    /// <summary>
    /// HTTP connections one silo opens to one replica (its table and its blob endpoint each); 0 = no limit. A request
    /// beyond them waits in the silo, inside its own <see cref="ReplicaTimeout"/>, instead of at the replica. An Azurite
    /// serves one request at a time on one thread: without a limit, the replica that falls behind under load was sent
    /// every pipelined append at once (over a hundred connections from one silo), each waited there past its time-out and
    /// was then done anyway, and the replica's other callers (the cluster's membership on replica 0) waited behind them.
    /// Limited, a request that times out while waiting is never sent. Storage that serves requests in parallel (Azure
    /// Table storage) keeps the default, 0; <c>./run.sh</c> and the test clusters run Azurite with 8.
    /// </summary>
    public int MaxConnectionsPerReplica { get; set; }

    /// <summary>
    /// Appends' transactions written by hand (<see cref="TableTransactionSender"/>, docs/adr/0011-hand-written-journal-transactions.md)
    /// instead of by the SDK's transaction builder: the same request on the wire for a third of the silo's allocations.
    /// Off sends them through <c>TableClient.SubmitTransactionAsync</c> again, should a storage service ever refuse
    /// what is written here (checked against Azurite and the SDK's own requests, not against Azure itself).
    /// </summary>
    public bool HandWrittenTransactions { get; set; } = true;

    /// <summary>Journal layout 2 and batched appends (section <c>Storage:GroupCommit</c>).</summary>
    public GroupCommitOptions GroupCommit { get; set; } = new();

    /// <summary>R = N - W + 1: replicas that must answer a read so that it meets every acknowledged write.</summary>
    internal int ReadQuorum => Replicas.Count - WriteQuorum + 1;
}
