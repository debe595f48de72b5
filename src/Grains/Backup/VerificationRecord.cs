using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// The outcome of a restore drill, stored in the backup store (<c>drills/latest.json</c> always,
/// <c>drills/last-verified.json</c> when it passed). Silos read it for <c>devicesync_backup_last_verified_age_seconds</c>.
/// Its JSON names are a storage contract.
/// </summary>
public sealed record VerificationRecord
{
    public const string LatestName = "latest.json";
    public const string LastVerifiedName = "last-verified.json";

    [JsonPropertyName("schema")]
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The backup point verified: the drill compared the backup with the live state as of this time.</summary>
    [JsonPropertyName("backupPoint")]
    public DateTimeOffset BackupPoint { get; init; }

    [JsonPropertyName("finishedAt")]
    public DateTimeOffset FinishedAt { get; init; }

    [JsonPropertyName("passed")]
    public bool Passed { get; init; }

    [JsonPropertyName("collections")]
    public int Collections { get; init; }

    [JsonPropertyName("matched")]
    public int Matched { get; init; }

    [JsonPropertyName("differed")]
    public int Differed { get; init; }

    /// <summary>The first differing collections (stream keys) and why, at most 100.</summary>
    [JsonPropertyName("differences")]
    public IReadOnlyList<string> Differences { get; init; } = [];

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, VerificationJson.Default.VerificationRecord);

    public static VerificationRecord? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, VerificationJson.Default.VerificationRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
