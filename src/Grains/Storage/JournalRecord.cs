namespace DeviceSync.Grains.Storage;

/// <summary>One acknowledged journal entry.</summary>
public sealed record JournalRecord(long Sequence, ReadOnlyMemory<byte> Payload);
