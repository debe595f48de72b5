using System.Text.Json.Serialization;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// An item or tombstone in its persisted form. Kept apart from <see cref="ItemState"/> so that the JSON names,
/// which are the storage contract, cannot change when the wire contract is refactored.
/// </summary>
public sealed record ItemRecord
{
    [JsonPropertyName("id")]
    public string ItemId { get; init; } = "";

    [JsonPropertyName("v")]
    public long Version { get; init; }

    [JsonPropertyName("del")]
    public bool Deleted { get; init; }

    /// <summary>Raw JSON object text, persisted as embedded JSON (see RawJsonObjectConverter); null for a tombstone.</summary>
    [JsonPropertyName("data")]
    [JsonConverter(typeof(RawJsonObjectConverter))]
    public string? Data { get; init; }

    [JsonPropertyName("at")]
    public DateTimeOffset ModifiedAt { get; init; }

    [JsonPropertyName("by")]
    public string ModifiedBy { get; init; } = "";

    /// <summary>See <see cref="ItemState.HandedBackVersion"/>; absent (null) for every other write, so records encode as before.</summary>
    [JsonPropertyName("hb")]
    public long? HandedBackVersion { get; init; }

    internal static ItemRecord From(ItemState state) => new()
    {
        ItemId = state.ItemId,
        Version = state.Version,
        Deleted = state.Deleted,
        Data = state.Data,
        ModifiedAt = state.ModifiedAt,
        ModifiedBy = state.ModifiedBy,
        HandedBackVersion = state.HandedBackVersion,
    };

    internal ItemState ToState() => new()
    {
        ItemId = ItemId,
        Version = Version,
        Deleted = Deleted,
        Data = Deleted ? null : Data,
        ModifiedAt = ModifiedAt,
        ModifiedBy = ModifiedBy,
        HandedBackVersion = HandedBackVersion,
    };
}
