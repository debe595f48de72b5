using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Telemetry;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Auth;

/// <summary>Turns a bearer token into the device it names, asking the account grain (or the short cache).</summary>
public sealed class DeviceAuthenticator(GrainCalls calls, TokenCache cache, GatewayMetrics metrics)
{
    /// <param name="useCache">False asks the account grain whatever the cache holds: for a check that must see a
    /// revocation made a moment ago (an event socket, which lives on after the check).</param>
    public async Task<DeviceIdentity?> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken, bool useCache = true)
    {
        if (!BearerTokens.TryRead(authorizationHeader, out var token)
            || !DeviceToken.TryParse(token, out var accountId, out var deviceId, out var secret)
            || !Names.IsAccountId(accountId)
            || deviceId.Length > 128)
        {
            return null;
        }

        var device = new DeviceIdentity(accountId, deviceId);
        var secretSha256 = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        if (useCache && cache.IsValid(device, secretSha256))
        {
            metrics.AuthCacheHit();
            return device;
        }

        var ok = await calls.OnAccountAsync("Account.Authenticate", accountId, a => a.AuthenticateAsync(deviceId, secretSha256), cancellationToken, resendable: true);
        if (!ok)
        {
            cache.Evict(accountId, deviceId);
            return null;
        }

        cache.Add(device, secretSha256);
        return device;
    }
}
