namespace DeviceSync.Grains.Storage;

/// <summary>
/// Told about what the journal made durable, for copies kept elsewhere (the backup store). Called on the write
/// path right after the quorum answered, so implementations only enqueue: they must return at once and never
/// throw (the journal swallows and logs what they throw anyway, so a backup can never fail a device's write).
/// </summary>
public interface IJournalObserver
{
    /// <summary>Entry <see cref="JournalCommit.Sequence"/> of the stream was acknowledged by a write quorum.</summary>
    void OnAppended(string streamKey, JournalCommit entry);

    /// <summary>A snapshot through <paramref name="sequence"/> reached a write quorum.</summary>
    void OnSnapshotWritten(string streamKey, long sequence, Guid lastEntryId, ReadOnlyMemory<byte> state);

    /// <summary>The stream was opened, or read by its owner for a repair: what a read quorum holds, so a copy that missed
    /// entries (a silo crashed between acknowledgement and copy) can be completed before the stream's next write, or, for a
    /// stream never opened again, when the sweeper's backup audit has its owner read it.</summary>
    void OnOpened(JournalOpened opened);
}
