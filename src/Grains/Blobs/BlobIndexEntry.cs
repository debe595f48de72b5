using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>One blob of an account as persisted in its blob index. Persisted as JSON: add, never rename.</summary>
public sealed class BlobIndexEntry
{
    [JsonPropertyName("sha256")]
    public string Sha256 { get; set; } = "";

    [JsonPropertyName("type")]
    public string ContentType { get; set; } = "";

    [JsonPropertyName("length")]
    public long Length { get; set; }

    [JsonPropertyName("uploaded")]
    public DateTimeOffset UploadedAt { get; set; }
}
