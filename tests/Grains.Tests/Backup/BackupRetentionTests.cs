using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Tests.Storage;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>Point-in-time reads and retention pruning on a real backup store, with commit times set by the test.</summary>
public sealed class BackupRetentionTests(BackupStorage storage) : IClassFixture<BackupStorage>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task A_point_in_time_read_returns_the_newest_snapshot_at_or_before_it_and_the_entries_up_to_it()
    {
        var (backup, key) = await SeedAsync();
        var reader = new BackupReader(backup);

        var atEntry7 = await reader.ReadAsync(key, Day(-34));
        var latest = await reader.ReadAsync(key, to: null);
        var beforeAnything = await reader.ReadAsync(key, Day(-41));

        Assert.Equal((7L, 5L), (atEntry7!.Sequence, atEntry7.SnapshotSequence));
        Assert.Equal([6L, 7], atEntry7.Entries.Select(e => e.Sequence));
        Assert.Equal(Day(-34), atEntry7.CommittedAt);
        Assert.Equal((12L, 8L), (latest!.Sequence, latest.SnapshotSequence));
        Assert.Null(beforeAnything);
    }

    [Fact]
    public async Task Pruning_keeps_the_newest_snapshot_before_the_window_and_everything_after_it()
    {
        var (backup, key) = await SeedAsync();
        var windowStart = Day(-30);

        var result = await backup.PruneAsync(key, 0, windowStart);

        // Snapshot 8 (day -33) is the newest at or before the window's start: entries 1..8 and snapshot 5 go.
        Assert.Equal((8, 1), (result.EntriesDeleted, result.SnapshotsDeleted));
        Assert.Equal(TestStores.Range(9, 12), (await backup.ListEntriesAsync(key, 0)).Select(e => e.Sequence).ToArray());
        Assert.Equal([8L], (await backup.ListSnapshotsAsync(key, 0)).Select(s => s.Sequence));
        var tail = await backup.ReadTailAsync(key, 0);
        Assert.Equal((8L, Day(-33)), (tail!.Oldest, tail.OldestAt));

        // Every point in the window is still restorable; a point before the kept snapshot is not.
        var reader = new BackupReader(backup);
        var atWindowStart = await reader.ReadAsync(key, windowStart);
        Assert.Equal((10L, 8L, (long?)null), (atWindowStart!.Sequence, atWindowStart.SnapshotSequence, atWindowStart.MissingFrom));
        Assert.Equal(TestStores.Payload(10), atWindowStart.Entries[^1].Payload.ToArray());
        Assert.Equal(12, (await reader.ReadAsync(key, to: null))!.Sequence);
        Assert.Null(await reader.ReadAsync(key, Day(-35)));

        // Pruning again changes nothing.
        Assert.Equal((0, 0), ((await backup.PruneAsync(key, 0, windowStart)).EntriesDeleted, (await backup.PruneAsync(key, 0, windowStart)).SnapshotsDeleted));
    }

    [Fact]
    public async Task A_stream_without_a_snapshot_before_the_window_keeps_everything()
    {
        var backup = NewBackup();
        var key = TestStores.NewKey();
        await backup.WriteGenerationAsync(key, 0);
        await backup.WriteEntriesAsync(key, 0, [.. Enumerable.Range(1, 4).Select(i => Entry(i, Day(-60 + i)))], first: true);

        var result = await backup.PruneAsync(key, 0, Day(-30));

        Assert.Equal((0, 0), (result.EntriesDeleted, result.SnapshotsDeleted));
        Assert.Equal(4, (await backup.ListEntriesAsync(key, 0)).Count);
    }

    [Fact]
    public async Task A_missing_entry_is_reported_not_skipped()
    {
        var (backup, key) = await SeedAsync();
        await backup.Table.DeleteEntityAsync(BackupStore.Partition(key, 0), BackupStore.RowKey(10));

        var latest = await new BackupReader(backup).ReadAsync(key, to: null);

        Assert.Equal((9L, (long?)10), (latest!.Sequence, latest.MissingFrom));
    }

    [Fact]
    public async Task An_old_generation_superseded_before_the_window_is_removed_entirely_and_every_point_in_the_window_stays_restorable()
    {
        var backup = NewBackup();
        var key = TestStores.NewKey();
        await backup.WriteGenerationAsync(key, 0);
        await backup.WriteEntriesAsync(key, 0, [.. Enumerable.Range(1, 5).Select(i => Entry(i, Day(-51 + i)))], first: true);
        await backup.WriteSnapshotAsync(key, 0, 4, Day(-47), TestStores.Payload(400), first: false);
        await backup.WriteEntriesAsync(key, 0, [new BackupEntry(6, Guid.NewGuid(), Day(-45), TestStores.Payload(6, 600 * 1024))], first: false); // a payload blob
        await backup.WriteGenerationAsync(key, 1); // the live stream lost its history; the new one began on day -34
        await backup.WriteEntriesAsync(key, 1, [Entry(1, Day(-34)), Entry(2, Day(-20)), Entry(3, Day(-1))], first: true);
        Assert.Equal(2, await BlobCountAsync(backup, BackupStore.Partition(key, 0)));

        var results = await backup.PruneStreamAsync(Single(await backup.ListStreamsAsync(key)), Day(-30));

        var removed = Assert.Single(results, r => r.GenerationRemoved);
        Assert.Equal((0, 6, 1), (removed.Generation, removed.EntriesDeleted, removed.SnapshotsDeleted));
        Assert.Null(await backup.ReadTailAsync(key, 0));
        Assert.Empty(await backup.ListEntriesAsync(key, 0));
        Assert.Empty(await backup.ListSnapshotsAsync(key, 0));
        Assert.Equal(0, await BlobCountAsync(backup, BackupStore.Partition(key, 0)));
        Assert.Equal(new BackupStreamRef(key, 1, 1), Single(await backup.ListStreamsAsync(key)));

        // The window: from its start to now, every point restores from generation 1; before generation 1 began, nothing.
        var reader = new BackupReader(backup);
        Assert.Equal((1, 1L), Point(await reader.ReadAsync(key, Day(-30))));
        Assert.Equal((1, 2L), Point(await reader.ReadAsync(key, Day(-20))));
        Assert.Equal((1, 3L), Point(await reader.ReadAsync(key, to: null)));
        Assert.Null(await reader.ReadAsync(key, Day(-46)));

        // Again: nothing more goes. A later fork keeps the index's record of what retention removed.
        Assert.DoesNotContain(await backup.PruneStreamAsync(Single(await backup.ListStreamsAsync(key)), Day(-30)), r => r.GenerationRemoved || r.EntriesDeleted > 0);
        await backup.WriteGenerationAsync(key, 2);
        Assert.Equal(new BackupStreamRef(key, 2, 1), Single(await backup.ListStreamsAsync(key)));
    }

    [Fact]
    public async Task An_old_generation_a_restore_in_the_window_still_reads_stays()
    {
        var backup = NewBackup();

        // Newest point before the window, but the next generation began inside it: a restore to the window's start reads
        // the old generation, the only state the backup has of that moment.
        var superseded = TestStores.NewKey();
        await backup.WriteGenerationAsync(superseded, 0);
        await backup.WriteEntriesAsync(superseded, 0, [.. Enumerable.Range(1, 3).Select(i => Entry(i, Day(-41 + i)))], first: true);
        await backup.WriteGenerationAsync(superseded, 1);
        await backup.WriteEntriesAsync(superseded, 1, [Entry(1, Day(-29))], first: true);

        // The next generation began before the window, but the old one has a point inside it.
        var late = TestStores.NewKey("notes");
        await backup.WriteGenerationAsync(late, 0);
        await backup.WriteEntriesAsync(late, 0, [Entry(1, Day(-40)), Entry(2, Day(-29))], first: true);
        await backup.WriteGenerationAsync(late, 1);
        await backup.WriteEntriesAsync(late, 1, [Entry(1, Day(-31)), Entry(2, Day(-2))], first: true);

        foreach (var key in new[] { superseded, late })
        {
            var results = await backup.PruneStreamAsync(Single(await backup.ListStreamsAsync(key)), Day(-30));
            Assert.DoesNotContain(results, r => r.GenerationRemoved || r.EntriesDeleted > 0);
            Assert.Equal(0, Single(await backup.ListStreamsAsync(key)).OldestGeneration);
            Assert.NotNull(await backup.ReadTailAsync(key, 0));
        }

        Assert.Equal((0, 3L), Point(await new BackupReader(backup).ReadAsync(superseded, Day(-30))));
        Assert.Equal(TestStores.Range(1, 2), (await backup.ListEntriesAsync(late, 0)).Select(e => e.Sequence).ToArray());
    }

    private static BackupStreamRef Single(IReadOnlyList<BackupStreamRef> streams) => Assert.Single(streams);

    private static (int Generation, long Sequence) Point(BackupImage? image)
    {
        Assert.NotNull(image);
        Assert.Null(image.MissingFrom);
        return (image.Generation, image.Sequence);
    }

    private static async Task<int> BlobCountAsync(BackupStore backup, string partition)
    {
        var container = backup.Blobs.GetBlobContainerClient(backup.TablePrefix.ToLowerInvariant() + "-backup");
        var count = 0;
        foreach (var prefix in new[] { "snapshots/" + partition + "/", "payloads/" + partition + "/" })
        {
            await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Entries 1..10 on days -40..-31, snapshots at 5 (day -36) and 8 (day -33), entries 11..12 on days -2 and -1.</summary>
    private async Task<(BackupStore Backup, string Key)> SeedAsync()
    {
        var backup = NewBackup();
        var key = TestStores.NewKey();
        await backup.WriteGenerationAsync(key, 0);
        await backup.WriteEntriesAsync(key, 0, [.. Enumerable.Range(1, 10).Select(i => Entry(i, Day(-41 + i)))], first: true);
        await backup.WriteSnapshotAsync(key, 0, 5, Day(-36), TestStores.Payload(500), first: false);
        await backup.WriteSnapshotAsync(key, 0, 8, Day(-33), TestStores.Payload(800), first: false);
        await backup.WriteEntriesAsync(key, 0, [Entry(11, Day(-2)), Entry(12, Day(-1))], first: false);
        return (backup, key);
    }

    private BackupStore NewBackup() => new(storage.Backup.ConnectionString, "r" + Guid.NewGuid().ToString("N")[..12], TimeSpan.FromSeconds(10));

    private static BackupEntry Entry(long sequence, DateTimeOffset at) => new(sequence, Guid.NewGuid(), at, TestStores.Payload(sequence));

    private static DateTimeOffset Day(int days) => new DateTimeOffset(Now.Year, Now.Month, Now.Day, 12, 0, 0, TimeSpan.Zero).AddDays(days);
}
