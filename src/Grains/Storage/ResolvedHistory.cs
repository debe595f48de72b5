namespace DeviceSync.Grains.Storage;

/// <summary>
/// The history chosen from what the replicas answered: the newest snapshot, then contiguous entries after it.
/// <see cref="ChainBreaks"/> lists chosen entries whose predecessor is not the entry chosen before them.
/// </summary>
internal sealed record ResolvedHistory(
    ResolvedSnapshot? Snapshot,
    IReadOnlyList<ResolvedEntry> Entries,
    IReadOnlyList<long> ChainBreaks,
    long FirstIgnoredSequence)
{
    public long BaseSequence => Snapshot?.Info.Sequence ?? 0;

    public long LastSequence => BaseSequence + Entries.Count;
}
