using System.Text.Json.Serialization;
using DeviceSync.Contracts.Accounts;

namespace DeviceSync.Grains.Accounts;

/// <summary>The whole account state as written in a snapshot. Persisted as JSON: add, never rename.</summary>
public sealed class AccountSnapshot
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonPropertyName("created")]
    public DateTimeOffset? CreatedAt { get; set; }

    [JsonPropertyName("password")]
    public PasswordHash? Password { get; set; }

    [JsonPropertyName("incarnation")]
    public byte[]? Incarnation { get; set; }

    [JsonPropertyName("recoveredAt")]
    public DateTimeOffset? RecoveredAt { get; set; }

    [JsonPropertyName("devices")]
    public List<DeviceRecord> Devices { get; set; } = [];

    [JsonPropertyName("collections")]
    public List<string> Collections { get; set; } = [];
}
