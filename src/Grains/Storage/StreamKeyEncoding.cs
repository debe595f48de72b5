using System.Security.Cryptography;
using System.Text;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Maps an arbitrary stream key to a string that is a valid Azure Table PartitionKey and blob-name segment:
/// ASCII letters, digits, '-' and '_' stay (readable); every other UTF-8 byte becomes <c>~XX</c>. Injective.
/// Very long keys keep a readable prefix and end in <c>~~</c> + the SHA-256 of the key.
/// </summary>
internal static class StreamKeyEncoding
{
    private const int MaxEncodedLength = 400;
    private const int HashedPrefixLength = 300;

    public static string Encode(string streamKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamKey);
        var bytes = Encoding.UTF8.GetBytes(streamKey);
        var builder = new StringBuilder(bytes.Length + 8);
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('~').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (builder.Length <= MaxEncodedLength)
        {
            return builder.ToString();
        }

        // '~' is always followed by two hex digits above, so "~~" cannot collide with a short key's encoding.
        var prefix = builder.ToString(0, HashedPrefixLength).TrimEnd('~');
        return prefix + "~~" + Convert.ToHexString(SHA256.HashData(bytes));
    }

    /// <summary>The stream key a partition key was made from; false for a hashed (very long) key, which keeps only a prefix.</summary>
    public static bool TryDecode(string partitionKey, out string streamKey)
    {
        streamKey = "";
        if (partitionKey.Contains("~~", StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = new List<byte>(partitionKey.Length);
        for (var i = 0; i < partitionKey.Length; i++)
        {
            var c = partitionKey[i];
            if (c != '~')
            {
                bytes.Add((byte)c);
            }
            else if (i + 2 < partitionKey.Length && byte.TryParse(partitionKey.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                return false;
            }
        }

        streamKey = Encoding.UTF8.GetString(bytes.ToArray());
        return bytes.Count > 0 && Encode(streamKey) == partitionKey;
    }
}
