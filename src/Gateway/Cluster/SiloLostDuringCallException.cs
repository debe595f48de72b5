namespace DeviceSync.Gateway.Cluster;

/// <summary>A silo was lost while a resendable call was in flight; <see cref="GrainCalls"/> resends it.</summary>
public sealed class SiloLostDuringCallException : Exception
{
    public SiloLostDuringCallException()
        : base("A silo was lost while the call was in flight.")
    {
    }

    public SiloLostDuringCallException(string message)
        : base(message)
    {
    }

    public SiloLostDuringCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
