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

    /// <summary>
    /// Set by a restore that cut below the live head: the live head it replaced. Versions between the cut and this
    /// were handed out and are gone, and a device whose cursor is at or below the cut may hold its own write among
    /// them, so such cursors are sent to resync too (ResyncPolicy). An epoch started for a storage history loss sets it
    /// to the old epoch's last possible version, since how much was lost is unknown. Absent (null) otherwise, and in
    /// older entries.
    /// </summary>
    [JsonPropertyName("replaced")]
    public long? ReplacedHead { get; init; }
}
