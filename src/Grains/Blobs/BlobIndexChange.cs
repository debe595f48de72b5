using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>One journal entry of an account's blob index. Persisted as JSON: only ever add optional properties.</summary>
public sealed class BlobIndexChange
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonPropertyName("added")]
    public List<BlobIndexEntry>? Added { get; set; }
}
