using System.Diagnostics.CodeAnalysis;

namespace DeviceSync.Contracts.Accounts;

/// <summary>
/// A device's bearer token: <c>ds1.{accountId}.{deviceId}.{secret}</c>. The account and device ids tell the
/// gateway which grain to ask; the secret (256 random bits, base64url) is what proves possession. The server
/// stores only the SHA-256 of the secret. Account ids may contain dots, so the token is parsed from the right.
/// </summary>
public static class DeviceToken
{
    public const string Prefix = "ds1.";

    public static string Format(string accountId, string deviceId, string secret) =>
        Prefix + accountId + "." + deviceId + "." + secret;

    public static bool TryParse(
        string? token,
        [NotNullWhen(true)] out string? accountId,
        [NotNullWhen(true)] out string? deviceId,
        [NotNullWhen(true)] out string? secret)
    {
        accountId = deviceId = secret = null;
        if (token is null || token.Length > 512 || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var body = token.AsSpan(Prefix.Length);
        var lastDot = body.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return false;
        }

        var rest = body[..lastDot];
        var deviceDot = rest.LastIndexOf('.');
        if (deviceDot <= 0 || deviceDot == rest.Length - 1 || lastDot == body.Length - 1)
        {
            return false;
        }

        accountId = rest[..deviceDot].ToString();
        deviceId = rest[(deviceDot + 1)..].ToString();
        secret = body[(lastDot + 1)..].ToString();
        return true;
    }
}
