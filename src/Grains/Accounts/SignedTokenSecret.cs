using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// The secret part of a device token that can be verified without storage (docs/adr/0008-device-readmission.md):
/// base64url of <c>format (1) | key id length (1) | key id | incarnation (16) | nonce (16) | tag (32)</c>, where the tag
/// is HMAC-SHA256 under the key <c>id</c> over a domain string, the format and key id, the account id, the device id,
/// the account's incarnation and the nonce. The token keeps its shape <c>ds1.{accountId}.{deviceId}.{secret}</c>, so
/// older gateways and grains, which only hash the secret, accept it; its SHA-256 is stored and checked as for a random
/// secret. A plain random secret (32 bytes) never reads as tagged: the lengths differ.
/// </summary>
public static class SignedTokenSecret
{
    public const byte Format = 1;
    public const int MaxKeyIdLength = 16;
    public const int MinKeyBytes = 32;
    public const int IncarnationBytes = 16;
    public const int NonceBytes = 16;
    private const int TagBytes = 32;
    private const string Domain = "devicesync-token-tag-v1";

    public static bool IsValidKeyId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxKeyIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string Create(byte[] key, string keyId, string accountId, string deviceId, byte[] incarnation, byte[] nonce)
    {
        if (!IsValidKeyId(keyId) || incarnation.Length != IncarnationBytes || nonce.Length != NonceBytes)
        {
            throw new ArgumentException("A tagged secret needs a valid key id, a 16-byte incarnation and a 16-byte nonce.");
        }

        var tag = ComputeTag(key, keyId, accountId, deviceId, incarnation, nonce);
        var id = Encoding.ASCII.GetBytes(keyId);
        var bytes = new byte[2 + id.Length + IncarnationBytes + NonceBytes + TagBytes];
        bytes[0] = Format;
        bytes[1] = (byte)id.Length;
        id.CopyTo(bytes, 2);
        incarnation.CopyTo(bytes, 2 + id.Length);
        nonce.CopyTo(bytes, 2 + id.Length + IncarnationBytes);
        tag.CopyTo(bytes, 2 + id.Length + IncarnationBytes + NonceBytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads the parts of a tagged secret; false for anything else (a plain random secret, garbage).</summary>
    public static bool TryRead(string secret, out TaggedSecret? parts)
    {
        parts = null;
        if (secret.Length > 200)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(secret);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length < 3 || bytes[0] != Format || bytes[1] is 0 or > MaxKeyIdLength
            || bytes.Length != 2 + bytes[1] + IncarnationBytes + NonceBytes + TagBytes)
        {
            return false;
        }

        var idLength = bytes[1];
        var keyId = Encoding.ASCII.GetString(bytes, 2, idLength);
        if (!IsValidKeyId(keyId))
        {
            return false;
        }

        var at = 2 + idLength;
        parts = new TaggedSecret(keyId, bytes[at..(at + IncarnationBytes)], bytes[(at + IncarnationBytes)..(at + IncarnationBytes + NonceBytes)], bytes[(at + IncarnationBytes + NonceBytes)..]);
        return true;
    }

    /// <summary>Constant-time check of the tag under <paramref name="key"/> for this account and device.</summary>
    public static bool Verify(byte[] key, TaggedSecret parts, string accountId, string deviceId) =>
        CryptographicOperations.FixedTimeEquals(ComputeTag(key, parts.KeyId, accountId, deviceId, parts.Incarnation, parts.Nonce), parts.Tag);

    private static byte[] ComputeTag(byte[] key, string keyId, string accountId, string deviceId, byte[] incarnation, byte[] nonce)
    {
        // Length-prefixed fields, so no two different inputs (an account id with a dot, say) give the same message.
        using var message = new MemoryStream();
        void Field(ReadOnlySpan<byte> field)
        {
            Span<byte> length = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
            message.Write(length);
            message.Write(field);
        }

        Field(Encoding.ASCII.GetBytes(Domain));
        Field([Format]);
        Field(Encoding.ASCII.GetBytes(keyId));
        Field(Encoding.UTF8.GetBytes(accountId));
        Field(Encoding.UTF8.GetBytes(deviceId));
        Field(incarnation);
        Field(nonce);
        return HMACSHA256.HashData(key, message.ToArray());
    }
}
