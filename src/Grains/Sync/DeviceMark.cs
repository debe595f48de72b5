using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>The highest mutation id processed for one device (PROTOCOL.md rule 1), in persisted form.</summary>
public sealed record DeviceMark
{
    [JsonPropertyName("device")]
    public string DeviceId { get; init; } = "";

    [JsonPropertyName("mid")]
    public long MutationId { get; init; }
}
