using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>A new epoch begun by a change, and where the epoch before it was cut (PROTOCOL.md, "Versions").</summary>
public sealed record EpochStart
{
    [JsonPropertyName("epoch")]
    public long Epoch { get; init; }

    /// <summary>
    /// The head version when the previous epoch was cut. It may lie in an even earlier epoch when the previous one
    /// never assigned a version; readers ask <see cref="ResyncPolicy"/> for what is held of a given epoch.
    /// </summary>
    [JsonPropertyName("cut")]
    public long CutVersion { get; init; }
}
