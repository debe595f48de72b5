namespace DeviceSync.Contracts.Operations;

/// <summary>
/// Thrown by a grain when it could not make a write durable on a quorum of storage replicas (or read one).
/// Nothing was acknowledged; the gateway answers 503 and the device retries safely.
/// </summary>
[GenerateSerializer, Alias("DeviceSync.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
