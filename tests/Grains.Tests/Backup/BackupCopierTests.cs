using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Tests.Storage;
using DeviceSync.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>
/// The backup copier on real Azurite (three replicas, a fourth as the backup store). Copy passes are run by the test
/// (<see cref="BackupCopier.CopyOnceAsync"/>) instead of the timer, so each test decides when a copy happens, or that it
/// never does (a silo that crashed between the acknowledgement and the copy).
/// </summary>
public sealed class BackupCopierTests(BackupStorage storage) : IClassFixture<BackupStorage>
{
    [Fact]
    public async Task Entries_and_snapshots_reach_the_backup_with_their_commit_time_and_stay_after_live_compaction()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var before = DateTimeOffset.UtcNow;
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 5);
        await stream.WriteSnapshotAsync(TestStores.Payload(99)); // compacts rows 1..4 on the live replicas
        await TestStores.AppendManyAsync(stream, 2);
        Assert.Equal(7, copier.Pending);

        Assert.Equal(0, await copier.CopyOnceAsync());

        Assert.Equal(0, copier.Pending);
        var entries = await backup.ListEntriesAsync(key, 0);
        Assert.Equal(TestStores.Range(1, 7), entries.Select(e => e.Sequence).ToArray());
        Assert.All(entries, e => Assert.InRange(e.CommittedAt, before, DateTimeOffset.UtcNow));
        Assert.Equal([5L], (await backup.ListSnapshotsAsync(key, 0)).Select(s => s.Sequence));
        // Compaction on a replica runs after the snapshot is acknowledged: wait for it, it is not what is tested here.
        await Eventually.WaitAsync(
            async () => (await TestStores.RowSequencesAsync(store, 0, key)).SequenceEqual(TestStores.Range(5, 7)),
            TestStores.Deadline);
        var payloads = await backup.ReadEntriesAsync(key, 0, 1, 7);
        Assert.All(payloads, e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
        var tail = await backup.ReadTailAsync(key, 0);
        Assert.Equal((7L, 5L), (tail!.Newest, tail.Snapshot));
    }

    [Fact]
    public async Task A_pass_ships_a_streams_new_entries_in_one_transaction_of_at_most_100_rows()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await copier.CopyOnceAsync(); // the open of an empty stream: nothing to ship, nothing written
        Assert.Null(await backup.ReadGenerationAsync(key));
        await TestStores.AppendManyAsync(stream, 150);

        await copier.CopyOnceAsync();

        Assert.NotNull((await backup.ReadTailAsync(key, 0))!.FirstAt);

        var entries = await backup.ReadEntriesAsync(key, 0, 1, 150);
        Assert.Equal(150, entries.Count);

        // The copier's write: 150 entries (and the tail row) in two entity-group transactions; 40 in one.
        var again = new BackupStore(storage.Backup.ConnectionString, backup.TablePrefix, TimeSpan.FromSeconds(10));
        Assert.Equal(2, await again.WriteEntriesAsync(key, 0, entries, first: false));
        Assert.Equal(1, await again.WriteEntriesAsync(key, 0, entries.Take(40).ToArray(), first: false));
    }

    [Fact]
    public async Task Entries_acknowledged_by_a_silo_that_crashed_before_copying_are_shipped_at_the_next_open()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);
        await copier.CopyOnceAsync();
        await TestStores.AppendManyAsync(stream, 4); // acknowledged, then the silo "crashes": this copier never runs again
        await stream.WriteSnapshotAsync(TestStores.Payload(77)); // and the live replicas compact 1..6 away
        await TestStores.AppendManyAsync(stream, 1);

        var (other, otherCopier, _) = NewSilo(store.Options.TablePrefix, backup.TablePrefix);
        var reopened = await other.OpenAsync(key);
        await otherCopier.CopyOnceAsync();

        // Entries 4..7 are gone from the live history: the snapshot at 7 stands in for them, then entry 8.
        Assert.Equal(8, reopened.LastSequence);
        var entries = (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray();
        Assert.Equal([1L, 2, 3, 8], entries);
        Assert.Equal([7L], (await backup.ListSnapshotsAsync(key, 0)).Select(s => s.Sequence));
        var latest = await new BackupReader(backup).ReadAsync(key, to: null);
        Assert.Equal((8L, 7L, (long?)null), (latest!.Sequence, latest.SnapshotSequence, latest.MissingFrom));
        Assert.Equal(TestStores.Payload(77), latest.SnapshotState!.Value.ToArray());
    }

    [Fact]
    public async Task Entries_the_live_replicas_still_hold_are_shipped_one_by_one_at_the_next_open()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 2);
        await copier.CopyOnceAsync();
        await TestStores.AppendManyAsync(stream, 3); // never copied

        var (other, otherCopier, _) = NewSilo(store.Options.TablePrefix, backup.TablePrefix);
        await other.OpenAsync(key);
        await otherCopier.CopyOnceAsync();

        Assert.Equal(TestStores.Range(1, 5), (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray());
        Assert.All(await backup.ReadEntriesAsync(key, 0, 1, 5), e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
    }

    [Fact]
    public async Task A_live_stream_that_lost_its_history_starts_a_new_generation_and_the_old_one_stays_restorable()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 5);
        await copier.CopyOnceAsync();
        var beforeLoss = DateTimeOffset.UtcNow;

        // The same stream on replicas that lost everything (another table prefix = empty tables), same backup store.
        var (wiped, wipedCopier, _) = NewSilo(prefix: null, backup.TablePrefix);
        var empty = await wiped.OpenAsync(key);
        await wipedCopier.CopyOnceAsync();
        Assert.Equal(0, await backup.ReadGenerationAsync(key)); // nothing new written yet: no fork
        await Task.Delay(50);
        await empty.AppendAsync(TestStores.Payload(1001));
        await wipedCopier.CopyOnceAsync();

        Assert.Equal(1, await backup.ReadGenerationAsync(key));
        Assert.Equal(TestStores.Range(1, 5), (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray());
        Assert.Equal(TestStores.Payload(5), (await backup.ReadEntriesAsync(key, 0, 5, 5))[0].Payload.ToArray());
        Assert.Equal(TestStores.Payload(1001), (await backup.ReadEntriesAsync(key, 1, 1, 1))[0].Payload.ToArray());
        var reader = new BackupReader(backup);
        var old = await reader.ReadAsync(key, beforeLoss);
        Assert.Equal((0, 5L), (old!.Generation, old.Sequence));
        var latest = await reader.ReadAsync(key, to: null);
        Assert.Equal((1, 1L), (latest!.Generation, latest.Sequence));
    }

    [Fact]
    public async Task A_failing_backup_store_never_fails_an_append_and_the_queue_is_shipped_once_it_answers()
    {
        var key = TestStores.NewKey();
        var prefix = "b" + Guid.NewGuid().ToString("N")[..12];
        var dead = new BackupStore(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DeviceSync.Testing.AzuriteProcess.DevAccountKey
                + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            prefix,
            TimeSpan.FromSeconds(1));
        var copier = NewCopier(dead);
        var store = TestStores.Create(storage.Replicas.ConnectionStrings);
        store = Observe(store, copier);
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);

        Assert.Equal(1, await copier.CopyOnceAsync()); // failed, logged, metered; the appends succeeded
        Assert.Equal(3, copier.Pending);
    }

    private (AzureJournalStore Store, BackupCopier Copier, BackupStore Backup) NewSilo(string? prefix = null, string? backupPrefix = null)
    {
        var backup = new BackupStore(storage.Backup.ConnectionString, backupPrefix ?? "b" + Guid.NewGuid().ToString("N")[..12], TimeSpan.FromSeconds(10));
        var copier = NewCopier(backup);
        var store = Observe(TestStores.Create(storage.Replicas.ConnectionStrings, prefix), copier);
        return (store, copier, backup);
    }

    private static BackupCopier NewCopier(BackupStore backup) =>
        new(new BackupConnection(backup), Options.Create(new BackupOptions { ConnectionString = "set", TablePrefix = backup.TablePrefix }), TimeProvider.System, NullLogger<BackupCopier>.Instance);

    private static AzureJournalStore Observe(AzureJournalStore store, BackupCopier copier) =>
        new(store.Options, NullLogger.Instance, extraPolicy: null) { Observer = JournalObservers.Combine([copier], NullLogger.Instance) };
}
