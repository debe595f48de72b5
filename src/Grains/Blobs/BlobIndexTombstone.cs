using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// A collected blob: what fences an upload that began before the collection (its ticket is below <see cref="Collection"/>)
/// from recording bytes the collection deletes. Persisted as JSON: add, never rename.
/// </summary>
public sealed class BlobIndexTombstone
{
    [JsonPropertyName("sha256")]
    public string Sha256 { get; set; } = "";

    /// <summary>The account's collection counter when this blob was collected (1, 2, ...: one per collected blob).</summary>
    [JsonPropertyName("n")]
    public long Collection { get; set; }

    [JsonPropertyName("length")]
    public long Length { get; set; }

    /// <summary>True until the bytes are gone from every replica, or an upload cancelled the deletion.</summary>
    [JsonPropertyName("deleting")]
    public bool Deleting { get; set; }

    /// <summary>When it was collected, then when its deletion ended (the tombstone is pruned a grace period after that).</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; set; }
}
