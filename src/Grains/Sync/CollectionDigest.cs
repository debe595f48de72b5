using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// A digest over the (itemId, version) pairs of a collection's items and tombstones, so replicas, backups and
/// devices can compare collections cheaply. Written out so any party can reproduce it:
/// <list type="number">
/// <item>per item, h = SHA-256(UTF-8(itemId) ‖ 0x00 ‖ version as 8 bytes big-endian);</item>
/// <item>S = the sum of all h read as 256-bit big-endian unsigned integers, modulo 2^256 (a sum, so the order of
/// items does not matter and the digest can be kept incrementally);</item>
/// <item>digest = lower-case hex of SHA-256(ASCII "devicesync-digest-v1" ‖ item count as 8 bytes big-endian ‖ S
/// as 32 bytes big-endian).</item>
/// </list>
/// </summary>
internal static class CollectionDigest
{
    private const int HashBytes = 32;
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("devicesync-digest-v1");

    public static string Compute(IEnumerable<ItemState> items)
    {
        var sum = UInt256Zero();
        long count = 0;
        Span<byte> hash = stackalloc byte[HashBytes];
        foreach (var item in items)
        {
            HashItem(item.ItemId, item.Version, hash);
            AddInto(sum, hash);
            count++;
        }

        var final = new byte[Domain.Length + sizeof(long) + HashBytes];
        Domain.CopyTo(final, 0);
        BinaryPrimitives.WriteInt64BigEndian(final.AsSpan(Domain.Length), count);
        sum.CopyTo(final, Domain.Length + sizeof(long));
        return Convert.ToHexStringLower(SHA256.HashData(final));
    }

    private static byte[] UInt256Zero() => new byte[HashBytes];

    private static void HashItem(string itemId, long version, Span<byte> hash)
    {
        var length = Encoding.UTF8.GetByteCount(itemId) + 1 + sizeof(long);
        var buffer = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(itemId, buffer);
        buffer[written] = 0;
        BinaryPrimitives.WriteInt64BigEndian(buffer[(written + 1)..], version);
        SHA256.HashData(buffer, hash);
    }

    /// <summary>sum += addend, both 256-bit big-endian, wrapping.</summary>
    private static void AddInto(byte[] sum, ReadOnlySpan<byte> addend)
    {
        var carry = 0;
        for (var i = HashBytes - 1; i >= 0; i--)
        {
            var total = sum[i] + addend[i] + carry;
            sum[i] = (byte)total;
            carry = total >> 8;
        }
    }
}
