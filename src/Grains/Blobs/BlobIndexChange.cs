using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// One journal entry of an account's blob index. Persisted as JSON: only ever add optional properties. An entry that
/// carries garbage-collection state (any property after <see cref="Added"/>) is written with schema 2, so a silo of the
/// build before garbage collection refuses it instead of replaying it without the drops (which would serve collected blobs).
/// </summary>
public sealed class BlobIndexChange
{
    /// <summary>The schema of an entry with only <see cref="Added"/>, readable by every build.</summary>
    public const int AddOnlySchemaVersion = 1;

    public const int CurrentSchemaVersion = 2;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = AddOnlySchemaVersion;

    /// <summary>When the change was made (the grain's clock); set on entries with garbage-collection state.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset? At { get; set; }

    [JsonPropertyName("added")]
    public List<BlobIndexEntry>? Added { get; set; }

    /// <summary>Blobs a scan found unreferenced for the first time (the start of their grace period).</summary>
    [JsonPropertyName("marked")]
    public List<BlobIndexMark>? Marked { get; set; }

    /// <summary>Marked blobs that are referenced again, or uploaded again: their grace period starts over.</summary>
    [JsonPropertyName("unmarked")]
    public List<string>? Unmarked { get; set; }

    /// <summary>Blobs dropped from the index; their bytes are deleted after this entry is durable.</summary>
    [JsonPropertyName("collected")]
    public List<BlobIndexTombstone>? Collected { get; set; }

    /// <summary>Collected blobs whose bytes are now gone from every replica.</summary>
    [JsonPropertyName("deleted")]
    public List<string>? Deleted { get; set; }

    /// <summary>Collected blobs whose byte deletion stopped because an upload of the same hash began.</summary>
    [JsonPropertyName("cancelled")]
    public List<string>? Cancelled { get; set; }

    /// <summary>Tombstones forgotten; uploads begun before <see cref="PruneFloor"/> are refused from now on.</summary>
    [JsonPropertyName("pruned")]
    public List<string>? Pruned { get; set; }

    [JsonPropertyName("floor")]
    public long? PruneFloor { get; set; }

    [JsonIgnore]
    public bool HasCollectionState =>
        Marked is { Count: > 0 } || Unmarked is { Count: > 0 } || Collected is { Count: > 0 } || Deleted is { Count: > 0 }
        || Cancelled is { Count: > 0 } || Pruned is { Count: > 0 } || PruneFloor is not null;
}
