using System.Text.Json.Serialization;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// A conflict archive record in persisted form. The collection name is not stored: it is the ledger's own.
/// </summary>
public sealed record ArchivedConflict
{
    [JsonPropertyName("seq")]
    public long Sequence { get; init; }

    [JsonPropertyName("id")]
    public string ItemId { get; init; } = "";

    [JsonPropertyName("device")]
    public string DeviceId { get; init; } = "";

    [JsonPropertyName("mid")]
    public long MutationId { get; init; }

    [JsonPropertyName("at")]
    public DateTimeOffset At { get; init; }

    /// <summary>Raw JSON object text, persisted as embedded JSON; null for a delete that lost.</summary>
    [JsonPropertyName("data")]
    [JsonConverter(typeof(RawJsonObjectConverter))]
    public string? Data { get; init; }

    [JsonPropertyName("del")]
    public bool Deleted { get; init; }

    [JsonPropertyName("sv")]
    public long ServerVersion { get; init; }

    internal static ArchivedConflict From(ConflictRecord record) => new()
    {
        Sequence = record.Sequence,
        ItemId = record.ItemId,
        DeviceId = record.DeviceId,
        MutationId = record.MutationId,
        At = record.At,
        Data = record.Data,
        Deleted = record.Deleted,
        ServerVersion = record.ServerVersion,
    };

    internal ConflictRecord ToRecord(string collection) => new()
    {
        Sequence = Sequence,
        Collection = collection,
        ItemId = ItemId,
        DeviceId = DeviceId,
        MutationId = MutationId,
        At = At,
        Data = Data,
        Deleted = Deleted,
        ServerVersion = ServerVersion,
    };
}
