using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DeviceSync.Client;

/// <summary>
/// The protocol's collection digest (docs/protocol.md, "Digests"), computed over what this device holds, so it can ask
/// the server (<c>GET /v1/digests</c>) whether they hold the same (itemId, version) pairs. The server computes the same
/// function over its own items; the two implementations are kept in step by a test against a real cluster.
/// </summary>
public static class CollectionDigest
{
    public const string Algorithm = "devicesync-digest-v1";

    public static string Compute(IEnumerable<(string ItemId, long Version)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sum = new byte[32];
        long count = 0;
        Span<byte> hash = stackalloc byte[32];
        foreach (var (itemId, version) in items)
        {
            var buffer = new byte[Encoding.UTF8.GetByteCount(itemId) + 1 + sizeof(long)];
            var written = Encoding.UTF8.GetBytes(itemId, buffer);
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(written + 1), version);
            SHA256.HashData(buffer, hash);
            var carry = 0;
            for (var i = 31; i >= 0; i--)
            {
                var total = sum[i] + hash[i] + carry;
                sum[i] = (byte)total;
                carry = total >> 8;
            }

            count++;
        }

        var final = new byte[Algorithm.Length + sizeof(long) + 32];
        Encoding.ASCII.GetBytes(Algorithm, final);
        BinaryPrimitives.WriteInt64BigEndian(final.AsSpan(Algorithm.Length), count);
        sum.CopyTo(final, Algorithm.Length + sizeof(long));
        return Convert.ToHexStringLower(SHA256.HashData(final));
    }
}
