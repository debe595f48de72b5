using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// The device id and token secret of the <c>index</c>-th device that provisioning <c>provisionId</c> gives an account,
/// derived with HMAC-SHA256 keyed by the provision id. A retried provision call (its answer was lost) derives the very
/// same devices and tokens, so it finds them already there instead of adding more; nothing but the usual SHA-256 of the
/// secret is stored, and the server keeps no key that could recompute a token. The provision id is therefore a secret
/// of the caller's, as strong as the tokens it yields (at least 128 random bits; the gateway enforces the length).
/// </summary>
public static class ProvisionedDeviceKeys
{
    private const string Domain = "devicesync-provision-v1";

    public static (string DeviceId, string Secret) Derive(string provisionId, string accountId, int index)
    {
        ArgumentException.ThrowIfNullOrEmpty(provisionId);
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var key = Encoding.UTF8.GetBytes(provisionId);
        var deviceId = Convert.ToHexStringLower(HMACSHA256.HashData(key, Label("device", accountId, index)).AsSpan(0, 12));
        var secret = Base64Url.EncodeToString(HMACSHA256.HashData(key, Label("token", accountId, index)));
        return (deviceId, secret);
    }

    /// <summary>
    /// The nonce of the <c>index</c>-th provisioned device's tagged token (<see cref="SignedTokenSecret"/>), from the same
    /// HMAC as its plain secret, so a retried provision call rebuilds the same tagged token too.
    /// </summary>
    public static byte[] DeriveNonce(string provisionId, string accountId, int index)
    {
        ArgumentException.ThrowIfNullOrEmpty(provisionId);
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(provisionId), Label("token", accountId, index))[..SignedTokenSecret.NonceBytes];
    }

    /// <summary>Purpose, account and index, NUL-separated (neither an account id nor a purpose contains NUL).</summary>
    private static byte[] Label(string purpose, string accountId, int index) =>
        Encoding.UTF8.GetBytes($"{Domain}\0{purpose}\0{accountId}\0{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
}
