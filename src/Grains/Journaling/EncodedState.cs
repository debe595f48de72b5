namespace DeviceSync.Grains.Journaling;

/// <summary>
/// A snapshot payload and the size of the state it holds in the units a journal's entries are counted in (their
/// uncompressed payload bytes), for <see cref="JournalSession.SnapshotIfDueAsync(Func{EncodedState}, CancellationToken)"/>.
/// </summary>
public readonly record struct EncodedState(byte[] Payload, long StateBytes);
