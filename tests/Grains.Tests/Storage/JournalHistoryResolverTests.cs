using DeviceSync.Grains.Storage;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>How open chooses one history from disagreeing replicas (pure, no storage).</summary>
public sealed class JournalHistoryResolverTests
{
    [Fact]
    public void The_version_most_replicas_hold_wins()
    {
        var e1 = Entry(1, Guid.Empty);
        var e2 = Entry(2, e1.EntryId);
        var rogue = Entry(2, e1.EntryId);

        var history = JournalHistoryResolver.Resolve(
        [
            new ReplicaView(0, [e1, rogue], []),
            new ReplicaView(1, [e1, e2], []),
            new ReplicaView(2, [e1, e2], []),
        ]);

        Assert.Equal([e1.EntryId, e2.EntryId], history.Entries.Select(e => e.Entry.EntryId));
        Assert.Equal([1, 2], history.Entries[1].Holders);
        Assert.Empty(history.ChainBreaks);
    }

    [Fact]
    public void A_version_a_healthy_replica_holds_beats_one_only_unhealed_replicas_hold()
    {
        // The two-replicas-wiped fault case: replicas 1 and 2 (wiped, unhealed) hold an unacknowledged new entry 2
        // written after an open that missed the old 2 and 3; healthy replica 0 got the old 2 and 3 by a late catch-up.
        var e1 = Entry(1, Guid.Empty);
        var old2 = Entry(2, e1.EntryId);
        var old3 = Entry(3, old2.EntryId);
        var new2 = Entry(2, e1.EntryId);
        var views = new[]
        {
            new ReplicaView(0, [e1, old2, old3], []),
            new ReplicaView(1, [e1, new2], []),
            new ReplicaView(2, [e1, new2], []),
        };

        var history = JournalHistoryResolver.Resolve(views, new HashSet<int> { 0 });

        Assert.Equal([e1.EntryId, old2.EntryId, old3.EntryId], history.Entries.Select(e => e.Entry.EntryId));
        Assert.Empty(history.ChainBreaks);

        // Without knowing which replicas are healthy the plain count picks the new 2, and the old 3 no longer follows.
        var byCount = JournalHistoryResolver.Resolve(views);
        Assert.Equal(new2.EntryId, byCount.Entries[1].Entry.EntryId);
        Assert.Equal([3L], byCount.ChainBreaks);
    }

    [Fact]
    public void A_tie_goes_to_the_version_the_next_entry_continues()
    {
        var e1 = Entry(1, Guid.Empty);
        var mine = Entry(2, e1.EntryId, DateTimeOffset.UnixEpoch);
        var theirs = Entry(2, e1.EntryId, DateTimeOffset.UnixEpoch.AddHours(1));
        var e3 = Entry(3, mine.EntryId);

        var history = JournalHistoryResolver.Resolve(
        [
            new ReplicaView(0, [e1, mine, e3], []),
            new ReplicaView(1, [e1, theirs], []),
        ]);

        Assert.Equal([e1.EntryId, mine.EntryId, e3.EntryId], history.Entries.Select(e => e.Entry.EntryId));
    }

    [Fact]
    public void Otherwise_a_tie_goes_to_the_later_write()
    {
        var e1 = Entry(1, Guid.Empty);
        var earlier = Entry(2, e1.EntryId, DateTimeOffset.UnixEpoch);
        var later = Entry(2, e1.EntryId, DateTimeOffset.UnixEpoch.AddSeconds(1));

        var history = JournalHistoryResolver.Resolve([new ReplicaView(0, [e1, earlier], []), new ReplicaView(1, [e1, later], [])]);

        Assert.Equal(later.EntryId, history.Entries[^1].Entry.EntryId);
    }

    [Fact]
    public void The_newest_snapshot_is_taken_and_entries_stop_at_the_first_gap()
    {
        var e5 = Entry(5, Guid.NewGuid());
        var e6 = Entry(6, Guid.NewGuid());
        var e7 = Entry(7, e6.EntryId);
        var e9 = Entry(9, Guid.NewGuid());
        var old = new SnapshotInfo(2, Guid.NewGuid(), JournalChain.Empty, "s2");
        var newest = new SnapshotInfo(5, e5.EntryId, JournalChain.Empty, "s5");

        var history = JournalHistoryResolver.Resolve(
        [
            new ReplicaView(0, [e5, e6], [old]),
            new ReplicaView(1, [e6, e7, e9], [newest]),
        ]);

        Assert.Equal(5, history.Snapshot?.Info.Sequence);
        Assert.Equal([1], history.Snapshot?.Holders);
        Assert.Equal([6L, 7L], history.Entries.Select(e => e.Entry.Sequence));
        Assert.Equal([6L], history.ChainBreaks); // e6 does not continue the snapshot's last entry
        Assert.Equal(7, history.LastSequence);
        Assert.Equal(9, history.FirstIgnoredSequence);
    }

    [Fact]
    public void Nothing_anywhere_is_an_empty_stream()
    {
        var history = JournalHistoryResolver.Resolve([new ReplicaView(0, [], []), new ReplicaView(1, [], [])]);

        Assert.Null(history.Snapshot);
        Assert.Empty(history.Entries);
        Assert.Equal(0, history.LastSequence);
    }

    private static JournalEntry Entry(long sequence, Guid previous, DateTimeOffset? timestamp = null) => new()
    {
        Sequence = sequence,
        EntryId = Guid.NewGuid(),
        PreviousEntryId = previous,
        Chain = JournalChain.Empty,
        PayloadHash = JournalChain.PayloadHash([]),
        PayloadLength = 0,
        Timestamp = timestamp,
    };
}
