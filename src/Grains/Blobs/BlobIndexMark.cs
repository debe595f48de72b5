using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>A blob that a scan found unreferenced, and since when. Persisted as JSON: add, never rename.</summary>
public sealed class BlobIndexMark
{
    [JsonPropertyName("sha256")]
    public string Sha256 { get; set; } = "";

    [JsonPropertyName("since")]
    public DateTimeOffset Since { get; set; }
}
