namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// The storage replicas blobs are written to: the same section <c>Storage</c> the silos read (<c>Replicas</c>,
/// <c>WriteQuorum</c>, <c>TablePrefix</c>), so gateway and silos cannot disagree about where data lives. No replicas
/// configured: the gateway serves no blobs (the blob routes answer 404, as before blobs existed).
/// </summary>
public sealed class BlobStorageOptions
{
    public const string SectionName = "Storage";

    public List<string> Replicas { get; set; } = [];

    public int WriteQuorum { get; set; } = 2;

    public string TablePrefix { get; set; } = "devicesync";
}
