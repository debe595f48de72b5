namespace DeviceSync.Grains.Storage;

/// <summary>A replica's journal is in another layout than <c>Storage:GroupCommit</c> asks for: a configuration error, not an outage.</summary>
public sealed class JournalLayoutMismatchException : InvalidOperationException
{
    public JournalLayoutMismatchException()
    {
    }

    public JournalLayoutMismatchException(string message)
        : base(message)
    {
    }

    public JournalLayoutMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
