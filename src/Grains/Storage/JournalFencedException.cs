namespace DeviceSync.Grains.Storage;

/// <summary>
/// Another writer already owns the sequence this append tried to write (a duplicate or stale activation):
/// nothing was acknowledged and this handle is dead; the caller must reopen the stream and reload.
/// </summary>
public sealed class JournalFencedException : Exception
{
    public JournalFencedException()
    {
    }

    public JournalFencedException(string message)
        : base(message)
    {
    }

    public JournalFencedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JournalFencedException(string streamKey, long sequence)
        : base($"Sequence {sequence} of journal stream '{streamKey}' was written by another writer; reopen the stream.")
    {
        StreamKey = streamKey;
        Sequence = sequence;
    }

    public string? StreamKey { get; }

    public long Sequence { get; }
}
