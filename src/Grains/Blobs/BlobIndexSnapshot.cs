using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// An account's whole blob index as written in a snapshot. Persisted as JSON: add, never rename. Written with schema 2 once
/// it holds garbage-collection state, so the build before garbage collection refuses it rather than dropping that state.
/// </summary>
public sealed class BlobIndexSnapshot
{
    public const int AddOnlySchemaVersion = 1;

    public const int CurrentSchemaVersion = 2;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = AddOnlySchemaVersion;

    [JsonPropertyName("blobs")]
    public List<BlobIndexEntry> Blobs { get; set; } = [];

    [JsonPropertyName("marked")]
    public List<BlobIndexMark>? Marked { get; set; }

    [JsonPropertyName("tombstones")]
    public List<BlobIndexTombstone>? Tombstones { get; set; }

    /// <summary>The account's collection counter: the ticket an upload beginning now gets.</summary>
    [JsonPropertyName("counter")]
    public long? Counter { get; set; }

    [JsonPropertyName("floor")]
    public long? PruneFloor { get; set; }
}
