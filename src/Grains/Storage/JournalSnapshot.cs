namespace DeviceSync.Grains.Storage;

/// <summary>The materialised state of a stream through <paramref name="Sequence"/>.</summary>
public sealed record JournalSnapshot(long Sequence, ReadOnlyMemory<byte> Payload);
