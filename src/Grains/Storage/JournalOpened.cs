namespace DeviceSync.Grains.Storage;

/// <summary>What a stream open found on a read quorum: the newest snapshot (if any) and the entries after it.</summary>
public sealed record JournalOpened(
    string StreamKey,
    long SnapshotSequence,
    Guid SnapshotLastEntryId,
    ReadOnlyMemory<byte>? SnapshotState,
    IReadOnlyList<JournalCommit> Entries)
{
    public long LastSequence => Entries.Count > 0 ? Entries[^1].Sequence : SnapshotSequence;
}
