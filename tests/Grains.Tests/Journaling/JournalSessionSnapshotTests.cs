using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Tests.Storage;
using DeviceSync.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceSync.Grains.Tests.Journaling;

/// <summary>When a snapshot is due: after as many entry bytes as the state holds, compressed snapshot or not.</summary>
public sealed class JournalSessionSnapshotTests(AzuriteReplicaSet replicas) : IClassFixture<AzuriteReplicaSet>
{
    private const int EntryBytes = 64 * 1024;

    [Fact]
    public async Task A_compressed_snapshot_is_due_again_after_its_uncompressed_size_in_entries()
    {
        var session = await OpenAsync();
        var snapshots = 0;
        // 40 KB stored for 640 KB of state, as a gzip'd collection snapshot might be.
        EncodedState Encode()
        {
            snapshots++;
            return new EncodedState(new byte[40_000], 640 * 1024);
        }

        await AppendAsync(session, 4);   // 256 KiB: the minimum trigger
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(1, snapshots);
        Assert.Equal(640 * 1024, session.StateBytes);

        await AppendAsync(session, 9);   // 576 KiB: more than the 40 KB stored, less than the 640 KiB of state
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(1, snapshots);

        await AppendAsync(session, 1);   // 640 KiB
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(2, snapshots);
    }

    [Fact]
    public async Task An_uncompressed_snapshot_is_due_after_its_own_size_and_a_reopen_forgets_the_state_size()
    {
        var session = await OpenAsync();
        var snapshots = 0;
        byte[] Encode()
        {
            snapshots++;
            return new byte[300 * 1024];
        }

        await AppendAsync(session, 4);
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(1, snapshots);
        Assert.Equal(300 * 1024, session.StateBytes);

        await AppendAsync(session, 4);   // 256 KiB < 300 KiB
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(1, snapshots);
        await AppendAsync(session, 1);   // 320 KiB
        await session.SnapshotIfDueAsync(Encode);
        Assert.Equal(2, snapshots);

        session.StateBytes = 5_000_000;
        await session.OpenAsync();
        Assert.Equal(0, session.StateBytes);
    }

    private async Task<JournalSession> OpenAsync()
    {
        var store = TestStores.Create(replicas.ConnectionStrings);
        var session = new JournalSession(store, TestStores.NewKey(), NullLogger.Instance);
        await session.OpenAsync();
        return session;
    }

    private static async Task AppendAsync(JournalSession session, int entries)
    {
        for (var i = 0; i < entries; i++)
        {
            await session.AppendAsync(new byte[EntryBytes]);
        }
    }
}
