using System.Text.Json.Serialization;
using DeviceSync.Contracts.Accounts;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// One journal entry of an account: what one operation changed. Persisted as JSON, so property names are the
/// contract: only ever add optional properties; never rename or reuse one.
/// </summary>
public sealed class AccountChange
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("v")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    /// <summary>Set when this change creates the account.</summary>
    [JsonPropertyName("created")]
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Set with <see cref="CreatedAt"/> when the account has a password (provisioned accounts have none).</summary>
    [JsonPropertyName("password")]
    public PasswordHash? Password { get; set; }

    /// <summary>
    /// The account's incarnation (16 random bytes), set once: by the change that creates the account, or by the first
    /// write of an account created before this build. Tagged tokens carry it (docs/adr/0008-device-readmission.md).
    /// </summary>
    [JsonPropertyName("incarnation")]
    public byte[]? Incarnation { get; set; }

    /// <summary>Set with <see cref="CreatedAt"/> when a readmitted device recreated the account after storage lost it.</summary>
    [JsonPropertyName("recoveredAt")]
    public DateTimeOffset? RecoveredAt { get; set; }

    /// <summary>A password given later to an account that had none (<c>PUT /v1/account/password</c>); applied only then.</summary>
    [JsonPropertyName("passwordSet")]
    public PasswordHash? PasswordSet { get; set; }

    [JsonPropertyName("devicesAdded")]
    public List<DeviceRecord>? DevicesAdded { get; set; }

    [JsonPropertyName("devicesRevoked")]
    public List<string>? DevicesRevoked { get; set; }

    [JsonPropertyName("revokedAt")]
    public DateTimeOffset? RevokedAt { get; set; }

    [JsonPropertyName("collectionsNoted")]
    public List<string>? CollectionsNoted { get; set; }

    /// <summary>Last-seen times flushed lazily (they change on every request, so they are not written every time).</summary>
    [JsonPropertyName("seen")]
    public Dictionary<string, DateTimeOffset>? DevicesSeen { get; set; }
}
