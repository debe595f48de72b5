using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Tests.Storage;
using DeviceSync.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>
/// The backup's background catch-up after a repair sweep, on real Azurite (three replicas, a fourth as the backup store).
/// A silo "crashes" as in <see cref="BackupCopierTests"/>: its copier is simply never run again. The streams are never
/// opened again either; only the sweep (with the catch-up as its audit) and the copier of the silo it reads through run.
/// </summary>
public sealed class BackupCatchUpTests(BackupStorage storage) : IClassFixture<BackupStorage>
{
    [Fact]
    public async Task Streams_a_crashed_silo_never_copied_catch_up_after_a_sweep_without_being_opened_again()
    {
        var (store, copier, backup) = NewSilo();
        var entriesOnly = TestStores.NewKey();
        var compacted = TestStores.NewKey("calendar");
        var copied = TestStores.NewKey("notes");
        var a = await store.OpenAsync(entriesOnly);
        var b = await store.OpenAsync(compacted);
        var c = await store.OpenAsync(copied);
        await TestStores.AppendManyAsync(a, 3);
        await TestStores.AppendManyAsync(b, 3);
        await TestStores.AppendManyAsync(c, 2);
        await copier.CopyOnceAsync();
        await TestStores.AppendManyAsync(a, 4); // acknowledged, then the silo "crashes": never copied
        await TestStores.AppendManyAsync(b, 4);
        await b.WriteSnapshotAsync(TestStores.Payload(77)); // and the live replicas compact 1..6 of this one away (entries 4..6 never reached the backup)
        await TestStores.AppendManyAsync(b, 1);
        await Eventually.WaitAsync(
            async () => (await TestStores.RowSequencesAsync(store, 0, compacted)).SequenceEqual([7L, 8]),
            TestStores.Deadline);

        // Another silo runs the sweeper; nothing opens the streams.
        var (other, otherCopier, _) = NewSilo(store.Options.TablePrefix, backup.TablePrefix);
        var catchUp = NewCatchUp(backup);
        await Sweeper(other, catchUp).SweepAsync();

        Assert.Equal((3, 2), (catchUp.LastChecked, catchUp.LastBehind));
        Assert.Equal(0, await otherCopier.CopyOnceAsync());
        Assert.Equal(TestStores.Range(1, 7), (await backup.ListEntriesAsync(entriesOnly, 0)).Select(e => e.Sequence).ToArray());
        Assert.All(await backup.ReadEntriesAsync(entriesOnly, 0, 1, 7), e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
        var reader = new BackupReader(backup);
        var latest = await reader.ReadAsync(compacted, to: null);
        Assert.Equal((8L, 7L, (long?)null), (latest!.Sequence, latest.SnapshotSequence, latest.MissingFrom));
        Assert.Equal(TestStores.Payload(77), latest.SnapshotState!.Value.ToArray());
        Assert.Equal(0, await backup.ReadGenerationAsync(entriesOnly));

        // The next sweep finds them caught up; the one after reads no backup tail at all (no live tail moved).
        await Sweeper(other, catchUp).SweepAsync();
        Assert.Equal((2, 0), (catchUp.LastChecked, catchUp.LastBehind));
        await Sweeper(other, catchUp).SweepAsync();
        Assert.Equal((0, 0), (catchUp.LastChecked, catchUp.LastBehind));
    }

    [Fact]
    public async Task The_catch_up_goes_through_the_writer_so_a_stream_written_meanwhile_is_completed_in_order_and_never_forked()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 3);
        await copier.CopyOnceAsync();
        await TestStores.AppendManyAsync(stream, 2); // not copied yet: the catch-up finds the backup behind

        // The sweep (grace 0, so it sees the copy as lagging) reads the stream through its writer, here the same store.
        var catchUp = NewCatchUp(backup);
        await Sweeper(store, catchUp).SweepAsync();
        Assert.Equal(1, catchUp.LastBehind);
        await TestStores.AppendManyAsync(stream, 2); // the writer goes on before its copier runs
        Assert.Equal(0, await copier.CopyOnceAsync());

        Assert.Equal(0, await backup.ReadGenerationAsync(key));
        Assert.Equal(TestStores.Range(1, 7), (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray());
        var tail = await backup.ReadTailAsync(key, 0);
        Assert.Equal(7L, tail!.Newest);
        Assert.All(await backup.ReadEntriesAsync(key, 0, 1, 7), e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
    }

    [Fact]
    public async Task A_stream_that_lost_its_history_and_was_written_past_its_backup_before_a_crash_starts_a_new_generation()
    {
        var (store, copier, backup) = NewSilo();
        var key = TestStores.NewKey();
        var stream = await store.OpenAsync(key);
        await TestStores.AppendManyAsync(stream, 5);
        await copier.CopyOnceAsync();

        // The replicas lose everything (another table prefix = empty tables); a silo writes 7 entries and crashes uncopied.
        var (wiped, _, _) = NewSilo(prefix: null, backup.TablePrefix);
        var empty = await wiped.OpenAsync(key);
        for (var i = 0; i < 7; i++)
        {
            await empty.AppendAsync(TestStores.Payload(1000 + i));
        }

        var (other, otherCopier, _) = NewSilo(wiped.Options.TablePrefix, backup.TablePrefix);
        var catchUp = NewCatchUp(backup);
        await Sweeper(other, catchUp).SweepAsync();
        Assert.Equal(1, catchUp.LastBehind);
        Assert.Equal(0, await otherCopier.CopyOnceAsync());

        // The new history goes to generation 1; generation 0 keeps the old one, untouched.
        Assert.Equal(1, await backup.ReadGenerationAsync(key));
        Assert.Equal(TestStores.Range(1, 5), (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray());
        Assert.Equal(TestStores.Payload(5), (await backup.ReadEntriesAsync(key, 0, 5, 5))[0].Payload.ToArray());
        Assert.Equal(
            Enumerable.Range(0, 7).Select(i => TestStores.Payload(1000 + i)),
            (await backup.ReadEntriesAsync(key, 1, 1, 7)).Select(e => e.Payload.ToArray()));
    }

    private (AzureJournalStore Store, BackupCopier Copier, BackupStore Backup) NewSilo(string? prefix = null, string? backupPrefix = null)
    {
        var backup = new BackupStore(storage.Backup.ConnectionString, backupPrefix ?? "c" + Guid.NewGuid().ToString("N")[..12], TimeSpan.FromSeconds(10));
        var copier = new BackupCopier(
            new BackupConnection(backup),
            Options.Create(new BackupOptions { ConnectionString = "set", TablePrefix = backup.TablePrefix }),
            TimeProvider.System,
            NullLogger<BackupCopier>.Instance);
        var replicas = TestStores.Create(storage.Replicas.ConnectionStrings, prefix);
        var store = new AzureJournalStore(replicas.Options, NullLogger.Instance, extraPolicy: null) { Observer = JournalObservers.Combine([copier], NullLogger.Instance) };
        return (store, copier, backup);
    }

    /// <summary>No grace: the test decides when copies happen, so "not copied yet" is exactly what it arranged.</summary>
    private static BackupCatchUp NewCatchUp(BackupStore backup) =>
        new(new BackupConnection(backup),
            Options.Create(new BackupOptions { ConnectionString = "set", TablePrefix = backup.TablePrefix, CatchUpGrace = TimeSpan.Zero }),
            TimeProvider.System,
            NullLogger<BackupCatchUp>.Instance);

    /// <summary>A sweeper that repairs through <paramref name="owner"/> (in a silo: the stream's grain) and audits the backup.</summary>
    private static ReplicaSweeper Sweeper(AzureJournalStore owner, BackupCatchUp catchUp) =>
        new(owner, new ReplicaSweepOptions { MaxRepairsPerSecond = 10_000, MaxRowsScannedPerSecond = 1_000_000 }, owner.RepairAsync, NullLogger.Instance, copyAudit: catchUp);
}
