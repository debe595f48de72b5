using Azure.Core;
using Azure.Core.Pipeline;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// The group-commit batcher (docs/adr/0010-group-commit.md) on real Azurite replicas: appends of several streams of one
/// shard share a transaction, and a stream whose action fails in such a transaction neither fails nor mis-acknowledges
/// the others. Batches are made deterministic by holding the replicas' transactions at a <see cref="BatchGate"/> while
/// appends gather behind them.
/// </summary>
public sealed class GroupCommitTests
{
    private const int Streams = 6;

    /// <summary>The replica timeout where the gate holds transactions on purpose: longer than gathering a batch takes on a busy machine.</summary>
    private static readonly TimeSpan HeldLongEnough = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Appends_to_several_streams_of_one_shard_go_in_one_transaction_per_replica()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var gate = new BatchGate();
        var store = TestStores.Create(groupCommit: true, set.ConnectionStrings, policy: gate, replicaTimeout: HeldLongEnough);
        var streams = await OpenSameShardAsync(store, Streams + 1);

        // The first append's transactions are held; the others gather behind them, one queue per replica and shard.
        gate.Close();
        var first = streams[0].AppendAsync(TestStores.Payload(1));
        await Eventually.WaitAsync(() => Task.FromResult(gate.Held == 3), TestStores.Deadline, "the first append's three transactions are held");
        var rest = streams.Skip(1).Select(s => s.AppendAsync(TestStores.Payload(1))).ToArray();
        await Eventually.WaitAsync(
            () => Task.FromResult(store.Replicas.All(r => r.WaitingAppends == Streams)), TestStores.Deadline, "the other appends wait in the queues");
        var batchSizes = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == StorageTelemetry.GroupCommitBatchAppendsName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => batchSizes.Add(value));
        listener.Start();
        gate.ResetCount();
        gate.Open();
        await first;
        await Task.WhenAll(rest);

        foreach (var stream in streams)
        {
            for (var replica = 0; replica < 3; replica++)
            {
                var r = replica;
                await Eventually.WaitAsync(
                    async () => (await TestStores.RowSequencesAsync(store, r, stream.StreamKey)).SequenceEqual(new[] { 1L }), TestStores.Deadline);
            }
        }

        // The held transactions were counted before the reset: what went out after is one transaction per replica for all
        // the other streams (the row checks above are queries, not transactions).
        Assert.Equal(3, gate.Transactions);
        Assert.True(batchSizes.Count(n => n == Streams) >= 3, $"batch sizes seen: {string.Join(", ", batchSizes)}"); // other tests' batchers record too
        foreach (var stream in streams)
        {
            Assert.Equal(new[] { 1L }, (await TestStores.Reopen(store).OpenAsync(stream.StreamKey)).Sequences());
        }
    }

    [Fact]
    public async Task A_fenced_stream_in_a_batch_is_told_and_the_others_commit()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var gate = new BatchGate();
        var store = TestStores.Create(groupCommit: true, set.ConnectionStrings, policy: gate, replicaTimeout: HeldLongEnough);
        var streams = await OpenSameShardAsync(store, Streams + 1);
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 2);
        }

        // A second writer of stream 1 (as on another silo) moves on: the first handle is stale at sequence 3.
        var stale = streams[1];
        var live = await TestStores.Reopen(store).OpenAsync(stale.StreamKey);
        await TestStores.AppendManyAsync(live, 1);
        await SettledAsync(store, streams, s => s == stale ? 3 : 2);

        gate.Close();
        var first = streams[0].AppendAsync(TestStores.Payload(3));
        await Eventually.WaitAsync(() => Task.FromResult(gate.Held == 3), TestStores.Deadline);
        var others = streams.Skip(2).Select(s => s.AppendAsync(TestStores.Payload(3))).ToArray();
        var fenced = stale.AppendAsync(new byte[] { 6, 6, 6 });
        await Eventually.WaitAsync(() => Task.FromResult(store.Replicas.All(r => r.WaitingAppends == Streams)), TestStores.Deadline);
        gate.Open();

        await first;
        await Task.WhenAll(others);
        await Assert.ThrowsAsync<JournalFencedException>(() => fenced);

        var reader = TestStores.Reopen(store);
        foreach (var stream in streams.Where(s => s != stale))
        {
            var reopened = await reader.OpenAsync(stream.StreamKey);
            Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
            Assert.Equal(TestStores.Payload(3), reopened.Entries[2].Payload.ToArray());
        }

        var liveView = await reader.OpenAsync(stale.StreamKey);
        Assert.Equal(TestStores.Range(1, 3), liveView.Sequences());
        Assert.Equal(TestStores.Payload(3), liveView.Entries[2].Payload.ToArray()); // the live writer's entry 3, not the stale one
    }

    [Fact]
    public async Task A_lagging_stream_in_a_batch_is_caught_up_and_the_others_commit()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var gate = new BatchGate();
        var store = TestStores.Create(groupCommit: true, set.ConnectionStrings, policy: gate, replicaTimeout: HeldLongEnough);
        var streams = await OpenSameShardAsync(store, Streams + 1);
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 1);
        }

        // Replica 0 loses entry 2 of stream 1 after acknowledging it, so the writer does not know it lags there (a writer
        // that saw its write fail catches the replica up itself, outside any batch).
        var lagging = streams[1];
        await lagging.AppendAsync(TestStores.Payload(2));
        await SettledAsync(store, streams, s => s == lagging ? 2 : 1);
        var key = StreamKeyEncoding.Encode(lagging.StreamKey);
        var layout = store.Replicas[0].Layout;
        await store.Replicas[0].Table.DeleteEntityAsync(layout.Partition(key), layout.Row(key, 2));

        // Entry 3 of the lagging stream shares replica 0's transaction with the others' entry 2: its guard (row 2) fails
        // there, it takes its own path (catch-up), and the others are sent again without it.
        gate.Close();
        var first = streams[0].AppendAsync(TestStores.Payload(2));
        await Eventually.WaitAsync(() => Task.FromResult(gate.Held == 3), TestStores.Deadline);
        var others = streams.Skip(2).Select(s => s.AppendAsync(TestStores.Payload(2))).ToArray();
        var behind = lagging.AppendAsync(TestStores.Payload(3));
        await Eventually.WaitAsync(() => Task.FromResult(store.Replicas.All(r => r.WaitingAppends == Streams)), TestStores.Deadline);
        gate.Open();
        await first;
        await Task.WhenAll(others);
        await behind;
        await lagging.AppendAsync(TestStores.Payload(4)); // a replica that lags is caught up by the writer's next append at the latest

        foreach (var stream in streams.Where(s => s != lagging))
        {
            await Eventually.WaitAsync(
                async () => (await TestStores.RowSequencesAsync(store, 0, stream.StreamKey)).SequenceEqual(TestStores.Range(1, 2)), TestStores.Deadline);
        }

        await Eventually.WaitAsync(
            async () => (await TestStores.RowSequencesAsync(store, 0, lagging.StreamKey)).SequenceEqual(TestStores.Range(1, 4)),
            TestStores.Deadline,
            "the lagging stream was caught up on replica 0");
        var reopened = await TestStores.Reopen(store).OpenAsync(lagging.StreamKey);
        Assert.Equal(TestStores.Range(1, 4), reopened.Sequences());
    }

    [Fact]
    public async Task A_replica_that_times_out_on_a_batch_fails_only_there_and_is_caught_up()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var gate = new BatchGate();
        var store = TestStores.Create(groupCommit: true, set.ConnectionStrings, policy: gate);
        var streams = await OpenSameShardAsync(store, Streams);
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 1);
        }

        // Replica 0 hangs: every transaction to it waits past the replica timeout (3 s). W = 2 of the others acknowledge.
        gate.Close(set[0].TablePort);
        await Task.WhenAll(streams.Select(s => s.AppendAsync(TestStores.Payload(2))));
        await Task.WhenAll(streams.Select(s => s.AppendAsync(TestStores.Payload(3))));
        gate.Open();

        // What the hung transactions carried may land late; either way the writers' next appends catch replica 0 up.
        await Task.WhenAll(streams.Select(s => s.AppendAsync(TestStores.Payload(4))));
        foreach (var stream in streams)
        {
            await Eventually.WaitAsync(
                async () => (await TestStores.RowSequencesAsync(store, 0, stream.StreamKey)).SequenceEqual(TestStores.Range(1, 4)),
                TestStores.Deadline,
                "replica 0 was caught up");
        }
    }

    [Fact]
    public async Task A_wiped_replica_is_healed_while_batched_writes_go_on()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        // One shard: every stream shares each replica's queue, so concurrent appends are batched.
        var store = TestStores.Create(groupCommit: true, set.ConnectionStrings, shards: 1);
        var streams = new List<JournalStream>();
        for (var i = 0; i < 8; i++)
        {
            var stream = await store.OpenAsync(TestStores.NewKey("c" + i));
            await TestStores.AppendManyAsync(stream, 2);
            streams.Add(stream);
        }

        // As in a silo, a stream's repair never runs during one of its appends (the owning grain runs one at a time).
        var turns = streams.ToDictionary(s => s.StreamKey, _ => new SemaphoreSlim(1, 1));
        var sweeper = new ReplicaSweeper(
            store,
            new ReplicaSweepOptions { MaxRepairsPerSecond = 10_000, MaxRowsScannedPerSecond = 1_000_000 },
            async (key, ct) =>
            {
                await turns[key].WaitAsync(ct);
                try
                {
                    return await store.RepairAsync(key, ct);
                }
                finally
                {
                    turns[key].Release();
                }
            },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        await store.Replicas[1].Table.DeleteAsync();
        var transactionsBefore = store.Replicas[0].BatchedTransactions;
        using var stop = new CancellationTokenSource();
        var writers = streams.Select(stream => Task.Run(async () =>
        {
            var appended = 0;
            while (!stop.IsCancellationRequested)
            {
                await turns[stream.StreamKey].WaitAsync();
                try
                {
                    await stream.AppendAsync(TestStores.Payload(stream.LastSequence + 1));
                    appended++;
                }
                finally
                {
                    turns[stream.StreamKey].Release();
                }
            }

            return appended;
        })).ToArray();

        await Eventually.WaitAsync(() => store.Replicas[1].Health.State == ReplicaState.Unhealed, TestStores.Deadline, "replica 1 found its table gone");
        await Eventually.WaitAsync(
            async () => (await sweeper.SweepAsync()).Contains(1),
            TimeSpan.FromSeconds(90),
            "a sweep under write load healed replica 1");
        await stop.CancelAsync();
        var appended = (await Task.WhenAll(writers)).Sum();

        Assert.True(appended >= 8, $"the writers kept writing during the heal ({appended} appends)");
        Assert.True(
            store.Replicas[0].BatchedTransactions - transactionsBefore < appended,
            $"appends shared transactions: {store.Replicas[0].BatchedTransactions - transactionsBefore} for {appended} appends on replica 0");
        await store.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, store.Replicas[1].Health.State);

        // Healed, it holds everything: without replica 0, replicas 1 and 2 serve every acknowledged entry.
        set[0].Pause();
        try
        {
            var withoutZero = TestStores.Reopen(store);
            foreach (var stream in streams)
            {
                Assert.Equal(TestStores.Range(1, stream.LastSequence), (await withoutZero.OpenAsync(stream.StreamKey)).Sequences());
            }
        }
        finally
        {
            set[0].Resume();
        }
    }

    [Fact]
    public async Task A_replica_keeps_the_layout_it_was_written_in_whatever_the_silo_prefers()
    {
        // Storage:GroupCommit decides only what an empty replica becomes (docs/adr/0010-group-commit.md, "Migration"):
        // a silo configured for layout 2 over replicas written in layout 1 must read and write them in layout 1, or it
        // would serve every stream as empty and write where no other silo reads.
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();
        var layout1 = TestStores.Create(set.ConnectionStrings, prefix);
        var groupCommit = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix);
        var keys = await WriteThenReadAndAppendAsync(layout1, groupCommit, "c");

        for (var i = 0; i < 3; i++)
        {
            Assert.False(groupCommit.Replicas[i].Layout.IsSharded, $"replica {i} is {groupCommit.Replicas[i].Layout}");
            Assert.Equal("layout 1", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], prefix));
            Assert.False(await JournalLayoutRecordTests.TableExistsAsync(set.ConnectionStrings[i], prefix + "journal2"), $"replica {i} got a layout-2 table");
        }

        foreach (var key in keys)
        {
            // The appends landed in the per-stream table, where the layout-1 silo reads them.
            await TestStores.WaitUntilEveryReplicaHoldsAsync(groupCommit, key, 4);
            Assert.Equal(TestStores.Range(1, 4), await JournalLayoutRecordTests.RowSequencesAsync(set.ConnectionStrings[0], prefix, JournalLayout.PerStream, key));
            var reread = await TestStores.Reopen(layout1).OpenAsync(key);
            Assert.Equal(TestStores.Range(1, 4), reread.Sequences());
            Assert.Equal(TestStores.Payload(4), reread.Entries[^1].Payload.ToArray());
        }

        // Another shard count is the same: a replica keeps its own S, so a silo configured for 8 reads and writes 16.
        var prefix2 = TestStores.NewPrefix();
        var sixteen = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix2);
        var eight = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix2, shards: 8);
        var keys2 = await WriteThenReadAndAppendAsync(sixteen, eight, "d");

        for (var i = 0; i < 3; i++)
        {
            Assert.True(eight.Replicas[i].Layout.IsSharded);
            Assert.Equal(16, eight.Replicas[i].Layout.Shards);
            Assert.Equal("layout 2 (16 shards)", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], prefix2));
        }

        // And a silo configured for layout 1 follows the records too.
        var perStream = TestStores.Create(set.ConnectionStrings, prefix2);
        await perStream.CheckLayoutAsync();
        foreach (var key in keys2)
        {
            await TestStores.WaitUntilEveryReplicaHoldsAsync(eight, key, 4);
            Assert.Equal(TestStores.Range(1, 4), await JournalLayoutRecordTests.RowSequencesAsync(set.ConnectionStrings[1], prefix2, JournalLayout.Sharded(16), key));
            Assert.Equal(TestStores.Range(1, 4), (await perStream.OpenAsync(key)).Sequences());
        }

        Assert.All(perStream.Replicas, r => Assert.Equal(16, r.Layout.Shards));
    }

    /// <summary>Three streams of two entries written by <paramref name="writer"/>; <paramref name="reader"/> (another
    /// silo's configuration, started after) reads both entries of each and appends two more. Returns the streams' keys.</summary>
    private static async Task<string[]> WriteThenReadAndAppendAsync(AzureJournalStore writer, AzureJournalStore reader, string name)
    {
        var keys = Enumerable.Range(0, 3).Select(i => TestStores.NewKey(name + i)).ToArray();
        foreach (var key in keys)
        {
            await TestStores.AppendManyAsync(await writer.OpenAsync(key), 2);
        }

        await reader.CheckLayoutAsync();
        foreach (var key in keys)
        {
            var stream = await reader.OpenAsync(key);
            Assert.Equal(TestStores.Range(1, 2), stream.Sequences());
            await TestStores.AppendManyAsync(stream, 2);
        }

        return keys;
    }

    /// <summary>Waits until every replica holds every stream's entries up to <paramref name="last"/>: the writes acknowledged
    /// at W = 2 are finished everywhere, so none of them is held at the gate with the ones a test means to batch.</summary>
    private static async Task SettledAsync(AzureJournalStore store, IEnumerable<JournalStream> streams, Func<JournalStream, long> last)
    {
        foreach (var stream in streams)
        {
            for (var replica = 0; replica < 3; replica++)
            {
                var r = replica;
                await Eventually.WaitAsync(
                    async () => (await TestStores.RowSequencesAsync(store, r, stream.StreamKey)).SequenceEqual(TestStores.Range(1, last(stream))),
                    TestStores.Deadline,
                    "every replica holds what was acknowledged");
            }
        }
    }

    /// <summary>Opens <paramref name="count"/> new streams whose keys fall in the same shard.</summary>
    private static async Task<List<JournalStream>> OpenSameShardAsync(AzureJournalStore store, int count)
    {
        var layout = store.Replicas[0].Layout;
        var keys = new List<string>();
        var shard = -1;
        while (keys.Count < count)
        {
            var key = TestStores.NewKey();
            var s = layout.Shard(StreamKeyEncoding.Encode(key));
            if (shard < 0 || s == shard)
            {
                shard = s;
                keys.Add(key);
            }
        }

        var streams = new List<JournalStream>();
        foreach (var key in keys)
        {
            streams.Add(await store.OpenAsync(key));
        }

        return streams;
    }

    /// <summary>
    /// Holds entity-group transactions ($batch) while closed (to every replica, or one port) and counts them.
    /// </summary>
    private sealed class BatchGate : HttpPipelinePolicy
    {
        private TaskCompletionSource _open = Opened();
        private int? _closedPort;
        private int _held;
        private int _transactions;

        public int Held => Volatile.Read(ref _held);

        public int Transactions => Volatile.Read(ref _transactions);

        public void Close(int? port = null)
        {
            _closedPort = port;
            Volatile.Write(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        public void Open() => Volatile.Read(ref _open).TrySetResult();

        public void ResetCount() => Interlocked.Exchange(ref _transactions, 0);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _transactions);
                var open = Volatile.Read(ref _open);
                if (!open.Task.IsCompleted && (_closedPort is null || _closedPort == message.Request.Uri.Port))
                {
                    Interlocked.Increment(ref _held);
                    try
                    {
                        await open.Task.WaitAsync(message.CancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _held);
                    }
                }
            }

            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }

        private static TaskCompletionSource Opened()
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs.SetResult();
            return tcs;
        }
    }
}
