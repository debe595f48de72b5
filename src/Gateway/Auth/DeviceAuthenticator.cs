using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Telemetry;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Auth;

/// <summary>Turns a bearer token into the device it names, asking the account grain (or the short cache).</summary>
public sealed class DeviceAuthenticator(GrainCalls calls, TokenCache cache, GatewayMetrics metrics, ILogger<DeviceAuthenticator> logger)
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
        if (useCache && cache.Find(device, secretSha256) is { } cached)
        {
            metrics.AuthCacheHit();
            return cached;
        }

        var answer = await AskAccountAsync(accountId, deviceId, secret, secretSha256, cancellationToken);
        if (!answer.Authenticated)
        {
            cache.Evict(accountId, deviceId);
            return null;
        }

        device = device with { Readmitted = answer.Readmitted, HistoryLossGeneration = answer.HistoryLossGeneration };
        cache.Add(device, secretSha256);
        return device;
    }

    /// <summary>
    /// The account grain checks the secret itself, so it can readmit a device storage lost (ADR 0008: only the silos hold
    /// the token keys). A silo of an earlier build lacks that call and fails it having changed nothing: then the hash-only
    /// check of that build, which knows nothing of re-admission.
    /// </summary>
    private async Task<DeviceAuthentication> AskAccountAsync(string accountId, string deviceId, string secret, byte[] secretSha256, CancellationToken cancellationToken)
    {
        try
        {
            return await calls.OnAccountAsync("Account.AuthenticateToken", accountId, a => a.AuthenticateTokenAsync(deviceId, secret), cancellationToken, resendable: true);
        }
        catch (Exception e) when (e is TypeLoadException or MissingMethodException or NotImplementedException)
        {
            Log.AuthenticateTokenFellBack(logger, accountId, e.GetType().Name);
            var ok = await calls.OnAccountAsync("Account.Authenticate", accountId, a => a.AuthenticateAsync(deviceId, secretSha256), cancellationToken, resendable: true);
            return ok ? new DeviceAuthentication { Authenticated = true } : DeviceAuthentication.Refused;
        }
    }
}
