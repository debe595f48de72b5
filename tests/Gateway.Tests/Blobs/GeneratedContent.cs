using System.Net;
using System.Security.Cryptography;

namespace DeviceSync.Gateway.Tests.Blobs;

/// <summary>
/// A request body of <c>length</c> pseudo-random bytes (deterministic per seed) written in 64 KiB pieces, never held
/// whole in memory by the test either. <c>failAfter</c> aborts the upload after that many bytes, as a client that goes
/// away halfway. Without a declared length it is sent chunked, so the gateway learns the size only by reading.
/// </summary>
public sealed class GeneratedContent(long length, int seed, long? failAfter = null, bool declareLength = false) : HttpContent
{
    private const int Piece = 64 * 1024;

    public static string Sha256Of(long length, int seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var piece in Pieces(length, seed))
        {
            hash.AppendData(piece.Span);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        long sent = 0;
        foreach (var piece in Pieces(length, seed))
        {
            if (failAfter is { } limit && sent + piece.Length > limit)
            {
                await stream.WriteAsync(piece[..(int)(limit - sent)]);
                await stream.FlushAsync();
                throw new IOException("The test client goes away halfway through the upload.");
            }

            await stream.WriteAsync(piece);
            sent += piece.Length;
        }
    }

    protected override bool TryComputeLength(out long computed)
    {
        computed = length;
        return declareLength;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Pieces(long length, int seed)
    {
        var random = new Random(seed);
        var buffer = new byte[Piece];
        for (long done = 0; done < length; done += Piece)
        {
            var count = (int)Math.Min(Piece, length - done);
            random.NextBytes(buffer.AsSpan(0, count));
            yield return buffer.AsMemory(0, count);
        }
    }
}
