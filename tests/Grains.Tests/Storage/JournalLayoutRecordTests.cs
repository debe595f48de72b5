using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// Each replica records the journal layout it is written in, and every silo follows the record whatever its own
/// <c>Storage:GroupCommit</c> says (docs/adr/0010-group-commit.md, "Migration"). A replica moves to another layout only
/// by being emptied into it (<see cref="JournalRelayout"/>, <c>ops relayout</c>): the running silos then rebuild it in
/// the recorded layout and the sweeper refills it, the heal path of any lost replica. Each test has its own Azurite set
/// (one empties a replica) and its own prefixes.
/// </summary>
public sealed class JournalLayoutRecordTests
{
    [Fact]
    public async Task A_replica_that_holds_nothing_gets_the_preferred_layout_and_a_second_silo_follows_its_record()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();

        // The first silo to touch an empty replica records its own preference; the second, configured otherwise, reads it.
        var twoShards = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix, shards: 2);
        await twoShards.CheckLayoutAsync();
        var perStream = TestStores.Create(set.ConnectionStrings, prefix);
        await perStream.CheckLayoutAsync();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("layout 2 (2 shards)", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], prefix));
            foreach (var store in new[] { twoShards, perStream })
            {
                Assert.True(store.Replicas[i].Layout.IsSharded, $"replica {i} is {store.Replicas[i].Layout}");
                Assert.Equal(2, store.Replicas[i].Layout.Shards);
            }

            Assert.False(await TableExistsAsync(set.ConnectionStrings[i], prefix + "journal"), $"replica {i} got a layout-1 table");
        }

        // Both address the rows the same way: what one writes the other reads, in both directions.
        var first = TestStores.NewKey("c0");
        await TestStores.AppendManyAsync(await twoShards.OpenAsync(first), 3);
        var second = TestStores.NewKey("c1");
        await TestStores.AppendManyAsync(await perStream.OpenAsync(second), 2);

        var readByPerStream = await perStream.OpenAsync(first);
        Assert.Equal(TestStores.Range(1, 3), readByPerStream.Sequences());
        Assert.Equal(TestStores.Payload(3), readByPerStream.Entries[^1].Payload.ToArray());
        await TestStores.AppendManyAsync(readByPerStream, 1);
        Assert.Equal(TestStores.Range(1, 4), (await twoShards.OpenAsync(first)).Sequences());
        Assert.Equal(TestStores.Range(1, 2), (await twoShards.OpenAsync(second)).Sequences());
        await TestStores.WaitUntilEveryReplicaHoldsAsync(perStream, second, 2);
        Assert.Equal(TestStores.Range(1, 2), await RowSequencesAsync(set.ConnectionStrings[0], prefix, JournalLayout.Sharded(2), second));

        // Two silos meeting an empty replica at the same moment cannot record different layouts: the record is created
        // only if absent, and whichever loses reads the winner's.
        var racePrefix = TestStores.NewPrefix();
        var racers = new[]
        {
            TestStores.Create(groupCommit: true, set.ConnectionStrings, racePrefix, shards: 4),
            TestStores.Create(set.ConnectionStrings, racePrefix),
            TestStores.Create(groupCommit: true, set.ConnectionStrings, racePrefix, shards: 8),
        };
        await Task.WhenAll(racers.Select(r => Task.Run(r.CheckLayoutAsync)));
        for (var i = 0; i < 3; i++)
        {
            var recorded = await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], racePrefix);
            Assert.Contains(recorded, new[] { "layout 1", "layout 2 (4 shards)", "layout 2 (8 shards)" });
            Assert.All(racers, r => Assert.Equal(recorded, r.Replicas[i].Layout.ToString()));
        }
    }

    [Fact]
    public async Task A_replica_written_before_layout_records_is_recorded_in_the_layout_its_table_holds()
    {
        // Every deployment so far: replicas in layout 1 and no record. A silo that now prefers layout 2 must find the
        // journal where it is and record that, not record its preference over a journal it would then not read.
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();
        var old = TestStores.Create(set.ConnectionStrings, prefix);
        var key = TestStores.NewKey();
        await TestStores.AppendManyAsync(await old.OpenAsync(key), 3);
        await TestStores.WaitUntilEveryReplicaHoldsAsync(old, key, 3);
        foreach (var connectionString in set.ConnectionStrings)
        {
            await DeleteRecordAsync(connectionString, prefix);
            Assert.Null(await JournalRelayout.ReadLayoutAsync(connectionString, prefix));
        }

        var upgraded = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix, shards: 2);
        await upgraded.CheckLayoutAsync();
        var stream = await upgraded.OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 3), stream.Sequences());
        await TestStores.AppendManyAsync(stream, 1);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("layout 1", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], prefix));
            Assert.False(upgraded.Replicas[i].Layout.IsSharded);
            Assert.False(await TableExistsAsync(set.ConnectionStrings[i], prefix + "journal2"), $"replica {i} got a layout-2 table");
        }

        Assert.Equal(TestStores.Range(1, 4), (await TestStores.Reopen(old).OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task A_replica_with_both_tables_and_no_record_refuses()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();
        var layout1 = TestStores.Create(set.ConnectionStrings, prefix);
        await TestStores.AppendManyAsync(await layout1.OpenAsync(TestStores.NewKey()), 2);
        await layout1.ProbeAsync(); // the markers are written

        // Replica 1 holds a layout-2 journal too (a marker row as layout 2 writes it) and no record says which is its
        // own: neither can be chosen safely, reading the wrong one would serve every stream as empty.
        var both = set.ConnectionStrings[1];
        var sharded = new TableServiceClient(both).GetTableClient(prefix + "journal2");
        await sharded.CreateIfNotExistsAsync();
        await sharded.AddEntityAsync(new TableEntity(JournalReplica.MarkerPartition, JournalReplica.MarkerRow) { ["V"] = 1, ["Layout"] = 2, ["Shards"] = 16, ["State"] = "healthy" });
        await DeleteRecordAsync(both, prefix);

        var refused = await Assert.ThrowsAsync<JournalLayoutMismatchException>(
            TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix).CheckLayoutAsync);
        Assert.Contains(prefix + "journal", refused.Message, StringComparison.Ordinal);
        Assert.Contains(prefix + "journal2", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<JournalLayoutMismatchException>(TestStores.Create(set.ConnectionStrings, prefix).CheckLayoutAsync);
        Assert.Null(await JournalRelayout.ReadLayoutAsync(both, prefix)); // the refusal recorded nothing
        Assert.Equal("layout 1", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[0], prefix));

        // The way out the message names: empty the replica into one layout. Then silos start again.
        Assert.Equal("layout 1", await JournalRelayout.EmptyIntoAsync(both, prefix, shards: 0, settle: TimeSpan.FromSeconds(1)));
        var restarted = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix);
        await restarted.CheckLayoutAsync();
        Assert.All(restarted.Replicas, r => Assert.False(r.Layout.IsSharded));
        Assert.False(await TableExistsAsync(both, prefix + "journal2"));
    }

    [Fact]
    public async Task A_replica_emptied_into_layout_2_is_rebuilt_there_and_healed_by_the_sweeper_while_the_silo_runs()
    {
        // The running silo (store A) is configured for layout 1 and the replicas are written in layout 1: replica 2 moves
        // to layout 2 only because its record says so, which is how ops relayout moves a deployment one replica at a time.
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();
        var store = TestStores.Create(set.ConnectionStrings, prefix);
        var streams = new List<JournalStream>();
        for (var i = 0; i < 10; i++)
        {
            var stream = await store.OpenAsync(TestStores.NewKey("c" + i));
            await TestStores.AppendManyAsync(stream, 3);
            streams.Add(stream);
        }

        // What lives in the journal's blob container, which the relayout deletes too: a snapshot, and a payload too
        // large for a row.
        var compacted = await store.OpenAsync(TestStores.NewKey("notes"));
        await TestStores.AppendManyAsync(compacted, 4);
        await compacted.WriteSnapshotAsync(new byte[] { 4 });
        await TestStores.AppendManyAsync(compacted, 1);
        var large = await store.OpenAsync(TestStores.NewKey("photos"));
        await TestStores.AppendManyAsync(large, 1);
        await TestStores.AppendManyAsync(large, 1, size: JournalReplica.MaxInlinePayload + 1000);
        var largePayload = TestStores.Payload(2, JournalReplica.MaxInlinePayload + 1000);
        foreach (var stream in streams)
        {
            // No write still in flight to replica 2 when it is emptied: what it held is known (all of it).
            await TestStores.WaitUntilEveryReplicaHoldsAsync(store, stream.StreamKey, 3);
        }

        await TestStores.WaitUntilEveryReplicaHoldsAsync(store, large.StreamKey, 2);
        await store.ProbeAsync();
        Assert.All(store.Health, h => Assert.Equal(ReplicaState.Healthy, h.State));

        Assert.Equal("layout 2 (2 shards)", await JournalRelayout.EmptyIntoAsync(set.ConnectionStrings[2], prefix, shards: 2, settle: TimeSpan.FromSeconds(1)));
        Assert.Equal("layout 2 (2 shards)", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[2], prefix));

        // The silo keeps writing: W = 2 of replicas 0 and 1. Replica 2's writes find its table gone, so it is marked
        // unhealed, read its record again and is rebuilt in layout 2.
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 2);
        }

        await TestStores.AppendManyAsync(compacted, 1);
        await TestStores.AppendManyAsync(large, 1);
        await Eventually.WaitAsync(
            () => store.Replicas[2].Health.State == ReplicaState.Unhealed, TestStores.Deadline, "replica 2 found its table gone");
        Assert.True(store.Replicas[2].Layout.IsSharded, $"replica 2 is {store.Replicas[2].Layout}");
        Assert.Equal(2, store.Replicas[2].Layout.Shards);
        Assert.False(store.Replicas[0].Layout.IsSharded);
        Assert.False(store.Replicas[1].Layout.IsSharded);
        var otherSilo = TestStores.Reopen(store);
        await otherSilo.ProbeAsync();
        Assert.Equal(ReplicaState.Unhealed, otherSilo.Replicas[2].Health.State); // said so on the replica itself, in layout 2

        // Healed as any lost replica is: the sweep refills it from the others, in its own layout, and marks it healthy.
        // A sweep can be voided by the replica's own late writes rewriting its marker, hence "until".
        var sweeper = TestStores.Sweeper(store);
        await Eventually.WaitAsync(
            async () => (await sweeper.SweepAsync()).Contains(2), TestStores.Deadline, "a sweep healed replica 2");
        Assert.Equal(0, sweeper.Progress.RepairsFailed);
        await store.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, store.Replicas[2].Health.State);

        // It takes the silo's writes again, in layout 2.
        foreach (var stream in streams)
        {
            await TestStores.AppendManyAsync(stream, 1);
            await TestStores.WaitUntilEveryReplicaHoldsAsync(store, stream.StreamKey, 6);
            Assert.Equal(TestStores.Range(1, 6), await RowSequencesAsync(set.ConnectionStrings[2], prefix, JournalLayout.Sharded(2), stream.StreamKey));
        }

        // The compacted stream: the snapshot and the rows above it, or every row from entry 1 (the writer's catch-up may
        // have sent its recent entries from 1, and rows that run from entry 1 are the whole history, as the sweeper counts).
        var compactedRows = await RowSequencesAsync(set.ConnectionStrings[2], prefix, JournalLayout.Sharded(2), compacted.StreamKey);
        var compactedSnapshots = await TestStores.SnapshotBlobsAsync(store, 2, compacted.StreamKey);
        Assert.True(
            compactedRows.SequenceEqual(TestStores.Range(1, 6)) || (compactedSnapshots.Count == 1 && compactedRows.Where(s => s > 4).SequenceEqual(TestStores.Range(5, 6))),
            $"replica 2 holds rows {string.Join(",", compactedRows)} and snapshots {string.Join(",", compactedSnapshots)}");

        // The large entry's payload is back in replica 2's journal container (the relayout deleted it with the rest).
        var payloadBlobs = new List<string>();
        var payloadPrefix = "payloads/" + StreamKeyEncoding.Encode(large.StreamKey) + "/";
        await foreach (var blob in store.Replicas[2].Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = payloadPrefix }))
        {
            payloadBlobs.Add(blob.Name);
        }

        Assert.Single(payloadBlobs);
        Assert.StartsWith(payloadPrefix + JournalNames.RowKey(2) + "/", payloadBlobs[0], StringComparison.Ordinal);
        Assert.False(await TableExistsAsync(set.ConnectionStrings[2], prefix + "journal"), "replica 2 still has its layout-1 table");
        Assert.True(await TableExistsAsync(set.ConnectionStrings[2], prefix + "journal2"));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("layout 1", await JournalRelayout.ReadLayoutAsync(set.ConnectionStrings[i], prefix));
            Assert.False(await TableExistsAsync(set.ConnectionStrings[i], prefix + "journal2"), $"replica {i} got a layout-2 table");
        }

        // A new silo (preferring yet another layout) reads every acknowledged entry.
        var newSilo = TestStores.Create(groupCommit: true, set.ConnectionStrings, prefix, shards: 16);
        await newSilo.CheckLayoutAsync();
        Assert.Equal(2, newSilo.Replicas[2].Layout.Shards);
        Assert.False(newSilo.Replicas[0].Layout.IsSharded);
        await AssertCompleteAsync(newSilo, streams, compacted, large, largePayload);

        // Healed, replica 2 counts toward R: with replica 0 down, replicas 1 (layout 1) and 2 (layout 2) serve it all.
        // Killed rather than paused: a paused replica holds every open for the replica timeout, and it is not needed again.
        set[0].Kill();
        await AssertCompleteAsync(TestStores.Reopen(store), streams, compacted, large, largePayload);
    }

    /// <summary>
    /// A silo that made no request to the replica while it was emptied and healed still addresses the old table. Its
    /// probe finds that table gone (the SDK answers it as a missing marker row, so the probe checks), reads the record,
    /// and adopts the marker the rebuilt replica already has, rather than writing "unhealed" over the sweeper's heal.
    /// </summary>
    [Fact]
    public async Task A_silo_idle_during_a_relayout_follows_it_without_undoing_the_heal()
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var prefix = TestStores.NewPrefix();
        var store = TestStores.Create(set.ConnectionStrings, prefix);
        var stream = await store.OpenAsync(TestStores.NewKey("c"));
        await TestStores.AppendManyAsync(stream, 3);
        await TestStores.WaitUntilEveryReplicaHoldsAsync(store, stream.StreamKey, 3);
        var idle = TestStores.Reopen(store);
        await idle.ProbeAsync();
        Assert.False(idle.Replicas[2].Layout.IsSharded);

        await JournalRelayout.EmptyIntoAsync(set.ConnectionStrings[2], prefix, shards: 2, settle: TimeSpan.FromSeconds(1));
        await TestStores.AppendManyAsync(stream, 1);
        await Eventually.WaitAsync(() => store.Replicas[2].Health.State == ReplicaState.Unhealed, TestStores.Deadline, "replica 2 found its table gone");
        var sweeper = TestStores.Sweeper(store);
        await Eventually.WaitAsync(async () => (await sweeper.SweepAsync()).Contains(2), TestStores.Deadline, "a sweep healed replica 2");

        await idle.ProbeAsync();
        Assert.True(idle.Replicas[2].Layout.IsSharded, $"the idle silo addresses replica 2 in {idle.Replicas[2].Layout}");
        Assert.Equal(ReplicaState.Healthy, idle.Replicas[2].Health.State);

        // Its own writes go to the rebuilt table, and the heal stands.
        var again = await idle.OpenAsync(stream.StreamKey);
        await TestStores.AppendManyAsync(again, 1);
        await TestStores.WaitUntilEveryReplicaHoldsAsync(idle, stream.StreamKey, 5);
        await store.ProbeAsync();
        Assert.Equal(ReplicaState.Healthy, store.Replicas[2].Health.State);
        Assert.Equal(TestStores.Range(1, 5), await RowSequencesAsync(set.ConnectionStrings[2], prefix, JournalLayout.Sharded(2), stream.StreamKey));
    }

    /// <summary>Whether <paramref name="table"/> exists on one replica.</summary>
    internal static async Task<bool> TableExistsAsync(string connectionString, string table)
    {
        await foreach (var _ in new TableServiceClient(connectionString).QueryAsync(t => t.Name == table))
        {
            return true;
        }

        return false;
    }

    /// <summary>A stream's entry rows in one layout's table on one replica, read without any store (empty if there is no such table).</summary>
    internal static async Task<List<long>> RowSequencesAsync(string connectionString, string prefix, JournalLayout layout, string streamKey)
    {
        var table = new TableServiceClient(connectionString).GetTableClient(layout.TableName(prefix));
        var sequences = new List<long>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(layout.StreamFilter(StreamKeyEncoding.Encode(streamKey)), select: ["PartitionKey", "RowKey"]))
            {
                if (layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence) && sequence > 0)
                {
                    sequences.Add(sequence);
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

    /// <summary>Removes a replica's layout record, as on a replica written by a build before records.</summary>
    private static Task DeleteRecordAsync(string connectionString, string prefix) =>
        new BlobServiceClient(connectionString).GetBlobContainerClient(prefix.ToLowerInvariant() + "-layout").DeleteIfExistsAsync();

    private static async Task AssertCompleteAsync(
        AzureJournalStore reader, IEnumerable<JournalStream> streams, JournalStream compacted, JournalStream large, byte[] largePayload)
    {
        foreach (var stream in streams)
        {
            var reopened = await reader.OpenAsync(stream.StreamKey);
            Assert.Equal(TestStores.Range(1, 6), reopened.Sequences());
            Assert.Equal(TestStores.Payload(6), reopened.Entries[^1].Payload.ToArray());
        }

        var snapshotted = await reader.OpenAsync(compacted.StreamKey);
        Assert.Equal(4, snapshotted.Snapshot?.Sequence);
        Assert.Equal(TestStores.Range(5, 6), snapshotted.Sequences());

        var withBlob = await reader.OpenAsync(large.StreamKey);
        Assert.Equal(TestStores.Range(1, 3), withBlob.Sequences());
        Assert.Equal(largePayload, withBlob.Entries[1].Payload.ToArray());
    }
}
