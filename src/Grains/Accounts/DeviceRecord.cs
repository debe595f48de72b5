using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Accounts;

/// <summary>A device as the account keeps it. Persisted as JSON (see <see cref="AccountChange"/>).</summary>
public sealed class DeviceRecord
{
    [JsonPropertyName("id")]
    public string DeviceId { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("platform")]
    public string Platform { get; set; } = "";

    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SHA-256 of the token secret; the token itself is never stored.</summary>
    [JsonPropertyName("tokenSha256")]
    public byte[] TokenSha256 { get; set; } = [];

    [JsonPropertyName("lastSeenAt")]
    public DateTimeOffset? LastSeenAt { get; set; }

    /// <summary>Set when the device was readmitted by its tagged token after storage lost the account (ADR 0008).</summary>
    [JsonPropertyName("readmittedAt")]
    public DateTimeOffset? ReadmittedAt { get; set; }

    [JsonPropertyName("revokedAt")]
    public DateTimeOffset? RevokedAt { get; set; }
}
