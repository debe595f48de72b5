using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>An account's whole blob index as written in a snapshot. Persisted as JSON: add, never rename.</summary>
public sealed class BlobIndexSnapshot
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonPropertyName("blobs")]
    public List<BlobIndexEntry> Blobs { get; set; } = [];
}
