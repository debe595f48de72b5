using Azure.Data.Tables;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>The journal on three healthy Azurite replicas (shared by the tests of this class; none kills a replica).</summary>
public class JournalStoreTests(AzuriteReplicaSet replicas) : IClassFixture<AzuriteReplicaSet>
{
    /// <summary>True in <see cref="JournalStoreTestsInGroupCommitLayout"/>: the same tests on journal layout 2 with batched appends.</summary>
    protected virtual bool GroupCommit => false;

    /// <summary>False in the <c>…ThroughTheSdk</c> runs: appends' transactions built by the SDK (Storage:HandWrittenTransactions off).</summary>
    protected virtual bool HandWrittenTransactions => true;

    [Fact]
    public async Task A_stream_that_exists_nowhere_opens_empty()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);

        var stream = await store.OpenAsync(TestStores.NewKey());

        Assert.Null(stream.Snapshot);
        Assert.Empty(stream.Entries);
        Assert.Equal(0, stream.LastSequence);
        Assert.Equal(0, stream.BytesSinceSnapshot);
    }

    [Fact]
    public async Task Appended_entries_come_back_in_order_with_contiguous_sequences()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);

        await TestStores.AppendManyAsync(stream, 5, size: 100);

        Assert.Equal(5, stream.LastSequence);
        Assert.Equal(500, stream.BytesSinceSnapshot);
        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 5), reopened.Sequences());
        foreach (var entry in reopened.Entries)
        {
            Assert.Equal(TestStores.Payload(entry.Sequence, 100), entry.Payload.ToArray());
        }

        Assert.Equal(5, reopened.LastSequence);
        Assert.Equal(500, reopened.BytesSinceSnapshot);
        for (var replica = 0; replica < 3; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(async () => (await TestStores.RowSequencesAsync(store, r, key)).Count == 5, TestStores.Deadline);
        }
    }

    [Fact]
    public async Task Appends_continue_after_reopen()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var first = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(first, 3);

        var second = await TestStores.Reopen(store).OpenAsync(key);
        await TestStores.AppendManyAsync(second, 2);

        var third = await store.OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 5), third.Sequences());
        Assert.All(third.Entries, e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
    }

    [Fact]
    public async Task Keys_with_slashes_dots_and_other_characters_are_separate_streams()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var unique = Guid.NewGuid().ToString("N");
        string[] keys =
        [
            $"account/{unique}", $"{unique}/a.b_c-d", $"{unique}/a~2Fb", $"{unique}/a/b", $"{unique}/a#b?c\\d'e",
            $"{unique}/ünïcødé", $"{unique}/" + new string('x', 600),
        ];

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            var stream = await store.OpenAsync(key);
            await TestStores.AppendManyAsync(stream, i + 1);
        }

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            var stream = await store.OpenAsync(key);
            Assert.Equal(key, stream.StreamKey);
            Assert.Equal(TestStores.Range(1, i + 1), stream.Sequences());
        }
    }

    [Fact]
    public async Task A_snapshot_compacts_the_rows_it_covers_and_open_returns_it_plus_the_tail()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 4);
        await stream.WriteSnapshotAsync(new byte[] { 4 });
        await TestStores.AppendManyAsync(stream, 6);
        var state = TestStores.Payload(1000, 3000);

        await stream.WriteSnapshotAsync(state);

        Assert.Equal(0, stream.BytesSinceSnapshot);
        Assert.Equal(3000, stream.LastSnapshotBytes);
        await TestStores.AppendManyAsync(stream, 3, size: 10);
        Assert.Equal(30, stream.BytesSinceSnapshot);
        for (var replica = 0; replica < 3; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(
                async () => (await TestStores.RowSequencesAsync(store, r, key)).SequenceEqual(TestStores.Range(10, 13))
                            && (await TestStores.SnapshotBlobsAsync(store, r, key)).Count == 1,
                TestStores.Deadline,
                $"replica {r} compacted up to 10 (kept as the fence) and dropped the older snapshot");
        }

        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.NotNull(reopened.Snapshot);
        Assert.Equal(10, reopened.Snapshot.Sequence);
        Assert.Equal(state, reopened.Snapshot.Payload.ToArray());
        Assert.Equal(TestStores.Range(11, 13), reopened.Sequences());
        Assert.Equal(13, reopened.LastSequence);
        Assert.Equal(30, reopened.BytesSinceSnapshot);
        Assert.Equal(3000, reopened.LastSnapshotBytes);

        await TestStores.AppendManyAsync(reopened, 1);
        Assert.Equal(TestStores.Range(11, 14), (await store.OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task Entries_up_to_four_MiB_round_trip_inline_or_through_a_blob()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey("photos");
        var stream = await store.OpenAsync(key);
        int[] sizes = [0, 1, JournalReplica.ChunkSize, JournalReplica.MaxInlinePayload, JournalReplica.MaxInlinePayload + 1, 4 * 1024 * 1024];

        foreach (var size in sizes)
        {
            await stream.AppendAsync(TestStores.Payload(stream.LastSequence + 1, size));
        }

        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, sizes.Length), reopened.Sequences());
        for (var i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(TestStores.Payload(i + 1, sizes[i]), reopened.Entries[i].Payload.ToArray());
        }

        // The large ones survive compaction too (the snapshot carries the state; the payload blobs go).
        await reopened.WriteSnapshotAsync(new byte[] { 1, 2, 3 });
        var compacted = await store.OpenAsync(key);
        Assert.Equal(sizes.Length, compacted.Snapshot?.Sequence);
        Assert.Empty(compacted.Entries);
    }

    [Fact]
    public async Task Many_small_entries_stay_contiguous()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);

        await TestStores.AppendManyAsync(stream, 300, size: 20);

        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 300), reopened.Sequences());
        Assert.Equal(300 * 20, reopened.BytesSinceSnapshot);
    }

    [Fact]
    public async Task A_second_writer_on_the_same_stream_is_fenced_and_the_first_writers_entry_survives()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var seed = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(seed, 2);
        var first = await store.OpenAsync(key);
        var second = await TestStores.Reopen(store).OpenAsync(key);
        var winner = new byte[] { 1, 1, 1 };

        await first.AppendAsync(winner);
        var fenced = await Assert.ThrowsAsync<JournalFencedException>(() => second.AppendAsync(new byte[] { 2, 2, 2 }));

        Assert.Equal(3, fenced.Sequence);
        await Assert.ThrowsAsync<JournalFencedException>(() => second.AppendAsync(new byte[] { 3 }));
        var reopened = await store.OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
        Assert.Equal(winner, reopened.Entries[^1].Payload.ToArray());
        await reopened.AppendAsync(new byte[] { 4 });
        Assert.Equal(4, reopened.LastSequence);
    }

    [Fact]
    public async Task A_divergent_entry_on_one_replica_is_outvoted_and_repaired_on_open()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);
        var partitionKey = StreamKeyEncoding.Encode(key);
        for (var replica = 0; replica < 3; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(async () => (await TestStores.RowSequencesAsync(store, r, key)).Count == 3, TestStores.Deadline);
        }

        // Another writer's version of entry 2, on replica 0 only.
        var rogue = new byte[] { 6, 6, 6 };
        var rogueHash = JournalChain.PayloadHash(rogue);
        var rogueId = Guid.NewGuid();
        var rogueEntry = new JournalEntry
        {
            Sequence = 2,
            EntryId = rogueId,
            PreviousEntryId = Guid.NewGuid(),
            Chain = JournalChain.Next(JournalChain.Empty, rogueId, rogueHash),
            PayloadHash = rogueHash,
            PayloadLength = rogue.Length,
        };
        await store.Replicas[0].Table.UpsertEntityAsync(store.Replicas[0].Entity(partitionKey, rogueEntry, rogue), TableUpdateMode.Replace);

        var reopened = await TestStores.Reopen(store).OpenAsync(key);

        Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
        Assert.Equal(TestStores.Payload(2), reopened.Entries[1].Payload.ToArray());
        await Eventually.WaitAsync(
            async () =>
            {
                var row = await store.Replicas[0].Table.GetEntityAsync<TableEntity>(store.Replicas[0].Layout.Partition(partitionKey), store.Replicas[0].Layout.Row(partitionKey, 2));
                return row.Value.GetGuid("EntryId") != rogueId;
            },
            TestStores.Deadline,
            "replica 0's entry 2 was repaired");
        var repaired = await store.Replicas[0].ReadAsync(partitionKey);
        Assert.Equal(TestStores.Payload(2), repaired.Entries.Single(e => e.Sequence == 2).InlinePayload.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task A_stale_writer_is_fenced_even_after_its_sequence_was_compacted_away(int staleAt)
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions);
        var key = TestStores.NewKey();
        var seed = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(seed, staleAt);
        var stale = await TestStores.Reopen(store).OpenAsync(key);
        var owner = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(owner, 6);
        await owner.WriteSnapshotAsync(new byte[] { 9 });
        for (var replica = 0; replica < 3; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(
                async () => (await TestStores.RowSequencesAsync(store, r, key)).SequenceEqual([staleAt + 6L]),
                TestStores.Deadline,
                $"replica {r} compacted");
        }

        await Assert.ThrowsAsync<JournalFencedException>(() => stale.AppendAsync(new byte[] { 6, 6, 6 }));

        await owner.AppendAsync(TestStores.Payload(staleAt + 7));
        var reopened = await store.OpenAsync(key);
        Assert.Equal(staleAt + 6, reopened.Snapshot?.Sequence);
        Assert.Equal([staleAt + 7L], reopened.Sequences());
        Assert.Equal(TestStores.Payload(staleAt + 7), reopened.Entries[0].Payload.ToArray());
    }

    [Fact]
    public async Task The_bytes_and_requests_of_an_append_do_not_grow_with_the_stream()
    {
        var meter = new RequestMeter();
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings, handWrittenTransactions: HandWrittenTransactions, policy: meter);
        var small = await store.OpenAsync(TestStores.NewKey("small"));
        var large = await store.OpenAsync(TestStores.NewKey("large"));
        await TestStores.AppendManyAsync(small, 10);
        await TestStores.AppendManyAsync(large, 1000);

        var batch = store.Replicas[0].Table.AccountName + "/$batch";
        bool IsInsert(MeteredRequest r) => r.Method == "POST" && r.Path.TrimStart('/') == batch;
        // Reopen (which repairs any replica that timed out under load) and wait until every earlier write has landed
        // everywhere, so that nothing of theirs is measured below.
        small = await store.OpenAsync(small.StreamKey);
        large = await store.OpenAsync(large.StreamKey);
        for (var replica = 0; replica < 3; replica++)
        {
            var r = replica;
            await Eventually.WaitAsync(
                async () => (await TestStores.RowSequencesAsync(store, r, small.StreamKey)).Count == 10
                            && (await TestStores.RowSequencesAsync(store, r, large.StreamKey)).Count == 1000,
                TestStores.Deadline);
        }

        // Repairs the reopen started in the background (a replica that lagged under load) must not be measured either:
        // wait until no request has gone out for a second.
        await Eventually.WaitAsync(
            async () =>
            {
                var before = meter.Requests.Count;
                await Task.Delay(TimeSpan.FromSeconds(1));
                return meter.Requests.Count == before;
            },
            TestStores.Deadline);

        meter.Reset();
        await small.AppendAsync(TestStores.Payload(11));
        await Eventually.WaitAsync(() => meter.Requests.Count(IsInsert) == 3, TestStores.Deadline);
        var smallAppend = meter.Requests;
        meter.Reset();
        await large.AppendAsync(TestStores.Payload(11));
        await Eventually.WaitAsync(() => meter.Requests.Count(IsInsert) == 3, TestStores.Deadline);
        var largeAppend = meter.Requests;

        // One request per replica (the conditional insert and its predecessor check, as one transaction) and nothing else, of the same size whatever the stream's length.
        Assert.True(smallAppend.Count == 3, string.Join(", ", smallAppend.Select(r => r.Method + " " + r.Path + " " + r.Bytes)));
        Assert.All(smallAppend, r => Assert.True(IsInsert(r)));
        Assert.True(largeAppend.Count == 3, string.Join(", ", largeAppend.Select(r => r.Method + " " + r.Path + " " + r.Bytes)));
        Assert.All(largeAppend, r => Assert.True(IsInsert(r)));
        Assert.Equal(smallAppend.Sum(r => r.Bytes), largeAppend.Sum(r => r.Bytes));
        Assert.InRange(smallAppend.Max(r => r.Bytes), 64, 4096);
    }
}
