namespace DeviceSync.Grains.Storage;

/// <summary>A replica lacks entries before the one being written (it missed writes); read repair fills it in.</summary>
internal sealed class ReplicaLagException : Exception
{
    public ReplicaLagException()
    {
    }

    public ReplicaLagException(string message)
        : base(message)
    {
    }

    public ReplicaLagException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
