using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>An earlier epoch and the head version when it was cut, in persisted form.</summary>
internal sealed record EpochCut
{
    [JsonPropertyName("epoch")]
    public long Epoch { get; init; }

    [JsonPropertyName("cut")]
    public long CutVersion { get; init; }

    /// <summary>The live head the cut replaced, when it was above the cut (EpochStart.ReplacedHead).</summary>
    [JsonPropertyName("replaced")]
    public long? ReplacedHead { get; init; }
}
