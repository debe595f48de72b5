using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// A tombstone removed by maintenance. The version is carried so that replay removes exactly that tombstone
/// and raises the oldest servable version to the same value the live ledger did.
/// </summary>
public sealed record PurgedTombstone
{
    [JsonPropertyName("id")]
    public string ItemId { get; init; } = "";

    [JsonPropertyName("v")]
    public long Version { get; init; }
}
