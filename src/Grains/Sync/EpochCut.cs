using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>An earlier epoch and the head version when it was cut, in persisted form.</summary>
internal sealed record EpochCut
{
    [JsonPropertyName("epoch")]
    public long Epoch { get; init; }

    [JsonPropertyName("cut")]
    public long CutVersion { get; init; }
}
