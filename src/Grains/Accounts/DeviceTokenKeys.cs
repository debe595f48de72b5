using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// The silo's token keys (<see cref="DeviceTokenOptions"/>), decoded once: makes new token secrets (tagged when a key is
/// configured) and verifies tags for re-admission. Keys stay in memory here; they are never stored or logged.
/// </summary>
public sealed class DeviceTokenKeys
{
    private readonly (string Id, byte[] Key)[] _keys;

    public DeviceTokenKeys(IOptions<DeviceTokenOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.Value.TokenKeys.Select(k => (k.Id, DecodeKey(k.Key) ?? throw new InvalidOperationException($"Token key '{k.Id}' is not base64.")))];
        ReadmissionEnabled = options.Value.Readmission.Enabled && _keys.Length > 0;
    }

    /// <summary>False without a configured key: tokens are plain random secrets and cannot be readmitted.</summary>
    public bool CanTag => _keys.Length > 0;

    public bool ReadmissionEnabled { get; }

    /// <summary>A new token secret: tagged under the first key when there is one (nonce random), else 256 random bits.</summary>
    public string NewSecret(string accountId, string deviceId, byte[]? incarnation) =>
        CanTag && incarnation is not null
            ? SignedTokenSecret.Create(_keys[0].Key, _keys[0].Id, accountId, deviceId, incarnation, RandomNumberGenerator.GetBytes(SignedTokenSecret.NonceBytes))
            : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Every secret a given nonce yields under the configured keys (the first key's first): for derived tokens.</summary>
    public IEnumerable<string> TaggedSecrets(string accountId, string deviceId, byte[] incarnation, byte[] nonce) =>
        _keys.Select(k => SignedTokenSecret.Create(k.Key, k.Id, accountId, deviceId, incarnation, nonce));

    /// <summary>Whether the tag verifies under the key the secret names; false for a key id not (or no longer) configured.</summary>
    public bool Verify(TaggedSecret parts, string accountId, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(parts);
        foreach (var (id, key) in _keys)
        {
            if (string.Equals(id, parts.KeyId, StringComparison.Ordinal))
            {
                return SignedTokenSecret.Verify(key, parts, accountId, deviceId);
            }
        }

        return false;
    }

    internal static byte[]? DecodeKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
