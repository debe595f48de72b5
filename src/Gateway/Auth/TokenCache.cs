using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Auth;

/// <summary>
/// Remembers positive token checks for a short time (<see cref="AuthOptions.TokenCacheSeconds"/>), keyed by
/// account and device, holding only the SHA-256 of the token secret. The gateway that revokes a device evicts
/// its entry at once; other gateways forget it when it expires.
/// </summary>
public sealed class TokenCache(TimeProvider time, IOptions<AuthOptions> options)
{
    private readonly ConcurrentDictionary<(string AccountId, string DeviceId), Entry> _entries = new();

    public int Count => _entries.Count;

    public bool IsValid(DeviceIdentity device, byte[] secretSha256) => Find(device, secretSha256) is not null;

    /// <summary>The cached identity (with its readmitted flag) when the check is still valid; else null.</summary>
    public DeviceIdentity? Find(DeviceIdentity device, byte[] secretSha256)
    {
        if (!_entries.TryGetValue((device.AccountId, device.DeviceId), out var entry))
        {
            return null;
        }

        if (time.GetUtcNow() >= entry.ExpiresAt)
        {
            _entries.TryRemove(new KeyValuePair<(string, string), Entry>((device.AccountId, device.DeviceId), entry));
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(entry.SecretSha256, secretSha256) ? entry.Device : null;
    }

    public void Add(DeviceIdentity device, byte[] secretSha256)
    {
        var lifetime = TimeSpan.FromSeconds(Math.Clamp(options.Value.TokenCacheSeconds, 0, 4));
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= options.Value.TokenCacheMaxEntries)
        {
            _entries.Clear();
        }

        _entries[(device.AccountId, device.DeviceId)] = new Entry(device, secretSha256, time.GetUtcNow() + lifetime);
    }

    public void Evict(string accountId, string deviceId) => _entries.TryRemove((accountId, deviceId), out _);

    private sealed record Entry(DeviceIdentity Device, byte[] SecretSha256, DateTimeOffset ExpiresAt);
}
