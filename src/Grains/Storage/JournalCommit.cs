namespace DeviceSync.Grains.Storage;

/// <summary>One acknowledged journal entry as the journal reports it to an <see cref="IJournalObserver"/>.</summary>
/// <param name="CommittedAt">When the quorum acknowledged it; for entries found at open, the replica's row timestamp.</param>
public sealed record JournalCommit(long Sequence, Guid EntryId, ReadOnlyMemory<byte> Payload, DateTimeOffset? CommittedAt);
