using System.Security.Cryptography;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// The hash chain over a stream: chain(n) = SHA-256(chain(n-1) ‖ entry id(n) ‖ SHA-256(payload(n))), chain(0) = zeros.
/// Each entry also names its predecessor's entry id, so a reader can tell which versions continue one history.
/// </summary>
internal static class JournalChain
{
    public const int HashLength = 32;

    public static byte[] Empty => new byte[HashLength];

    public static byte[] PayloadHash(ReadOnlySpan<byte> payload) => SHA256.HashData(payload);

    public static byte[] Next(ReadOnlySpan<byte> previousChain, Guid entryId, ReadOnlySpan<byte> payloadHash)
    {
        Span<byte> buffer = stackalloc byte[HashLength + 16 + HashLength];
        previousChain.CopyTo(buffer);
        entryId.TryWriteBytes(buffer.Slice(HashLength, 16));
        payloadHash.CopyTo(buffer[(HashLength + 16)..]);
        return SHA256.HashData(buffer);
    }
}
