using Azure.Core.Pipeline;
using Azure.Data.Tables;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>Stores on real Azurite replicas with names no other test uses.</summary>
internal static class TestStores
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Generous, so that a healthy Azurite on a loaded machine (CI: two test classes and their Azurites on two cores) is
    /// not timed out: a test that fails a replica does so on purpose (a request meter, a pause, a kill), and appends and
    /// opens do not wait for a hung replica anyway. Two CI runs met 3 s: the quorum (or a catch-up) lost a healthy replica.
    /// </summary>
    public static readonly TimeSpan DefaultReplicaTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Set DEVICESYNC_TEST_LOG=1 to see the store's log on the console.</summary>
    private static readonly ILogger Logger = Environment.GetEnvironmentVariable("DEVICESYNC_TEST_LOG") == "1"
        ? LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug)).CreateLogger<AzureJournalStore>()
        : NullLogger.Instance;

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..20];

    public static string NewKey(string collection = "contacts") => $"acct-{Guid.NewGuid():N}/{collection}";

    public static AzureJournalStore Create(
        IReadOnlyList<string> replicas,
        string? prefix = null,
        HttpPipelinePolicy? policy = null,
        int writeQuorum = 2) => Create(groupCommit: false, replicas, prefix, policy, writeQuorum);

    /// <param name="groupCommit">Layout 2 and the group-commit batcher (Storage:GroupCommit), 16 shards.</param>
    /// <param name="handWrittenTransactions">Storage:HandWrittenTransactions; false sends appends through the SDK's transactions.</param>
    public static AzureJournalStore Create(
        bool groupCommit,
        IReadOnlyList<string> replicas,
        string? prefix = null,
        HttpPipelinePolicy? policy = null,
        int writeQuorum = 2,
        TimeSpan? replicaTimeout = null,
        int shards = 16,
        bool handWrittenTransactions = true,
        int maxConnectionsPerReplica = 0)
    {
        var options = new ReplicationOptions
        {
            HandWrittenTransactions = handWrittenTransactions,
            GroupCommit = new GroupCommitOptions { Enabled = groupCommit, Shards = shards },
            Replicas = [.. replicas],
            WriteQuorum = writeQuorum,
            TablePrefix = prefix ?? NewPrefix(),
            ReplicaTimeout = replicaTimeout ?? DefaultReplicaTimeout,
            MaxConnectionsPerReplica = maxConnectionsPerReplica,
        };
        return new AzureJournalStore(options, Logger, policy);
    }

    /// <summary>Another store (as on another silo) over the same replicas and tables, its requests through <paramref name="policy"/>.</summary>
    public static AzureJournalStore Reopen(AzureJournalStore store, HttpPipelinePolicy? policy = null) =>
        Create(
            store.Options.GroupCommit.Enabled, store.Options.Replicas, store.Options.TablePrefix, policy, store.Options.WriteQuorum, shards: store.Options.GroupCommit.Shards);

    /// <summary>A sweeper over <paramref name="store"/> that is not throttled and repairs directly (no grains here), or
    /// through <paramref name="repair"/>.</summary>
    public static ReplicaSweeper Sweeper(
        AzureJournalStore store,
        Func<string, CancellationToken, Task<JournalRepairResult>>? repair = null,
        int maxConcurrentRepairs = 4) =>
        new(
            store,
            new ReplicaSweepOptions { MaxRepairsPerSecond = 10_000, MaxRowsScannedPerSecond = 1_000_000, MaxConcurrentRepairs = maxConcurrentRepairs },
            repair ?? store.RepairAsync,
            Logger);

    public static byte[] Payload(long sequence, int size = 64)
    {
        var bytes = new byte[size];
        new Random((int)sequence).NextBytes(bytes);
        BitConverter.TryWriteBytes(bytes, sequence);
        return bytes;
    }

    public static async Task AppendManyAsync(JournalStream stream, int count, int size = 64)
    {
        for (var i = 0; i < count; i++)
        {
            await stream.AppendAsync(Payload(stream.LastSequence + 1, size));
        }
    }

    /// <summary>
    /// Waits until every replica holds entries 1 through <paramref name="through"/> of a stream. An append returns at W
    /// acknowledgements and its last replica's write finishes in the background: a test that then fails or wipes a
    /// replica on purpose must first know what that replica already holds (a CI run: the write of entry 2 to the replica
    /// about to be failed was still in flight, and was failed with it).
    /// </summary>
    public static async Task WaitUntilEveryReplicaHoldsAsync(AzureJournalStore store, string streamKey, long through)
    {
        for (var replica = 0; replica < store.Replicas.Count; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(
                async () => (await RowSequencesAsync(store, r, streamKey)).SequenceEqual(Range(1, through)),
                Deadline,
                $"replica {r} holds entries 1-{through}");
        }
    }

    /// <summary>The sequences of a stream's entry rows on one replica (empty if the table is gone).</summary>
    public static async Task<List<long>> RowSequencesAsync(AzureJournalStore store, int replica, string streamKey)
    {
        var table = store.Replicas[replica].Table;
        var layout = store.Replicas[replica].Layout;
        var sequences = new List<long>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(layout.StreamFilter(StreamKeyEncoding.Encode(streamKey)), select: ["PartitionKey", "RowKey"]))
            {
                if (layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence) && sequence > 0)
                {
                    sequences.Add(sequence); // not the genesis row
                }
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return sequences;
        }

        sequences.Sort();
        return sequences;
    }

    public static async Task<List<string>> SnapshotBlobsAsync(AzureJournalStore store, int replica, string streamKey)
    {
        var names = new List<string>();
        try
        {
            var options = new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "snapshots/" + StreamKeyEncoding.Encode(streamKey) + "/" };
            await foreach (var blob in store.Replicas[replica].Container.GetBlobsAsync(options))
            {
                names.Add(blob.Name);
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return names;
        }

        return names;
    }

    public static long[] Sequences(this JournalStream stream) => stream.Entries.Select(e => e.Sequence).ToArray();

    public static long[] Range(long first, long last) => Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (long)i).ToArray();
}
