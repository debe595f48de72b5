namespace DeviceSync.Gateway.Cluster;

/// <summary>The cluster could not serve a grain call within the retry budget; the request answers 503.</summary>
public sealed class ClusterUnavailableException : Exception
{
    public ClusterUnavailableException()
    {
    }

    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    public ClusterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
