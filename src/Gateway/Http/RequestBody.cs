using System.Buffers;

namespace DeviceSync.Gateway.Http;

/// <summary>Reads a request body into memory, refusing (null) anything over <c>maxBytes</c> — by Content-Length or as it streams.</summary>
public static class RequestBody
{
    private const int ChunkBytes = 8192;

    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared)
        {
            if (declared > maxBytes)
            {
                return null;
            }

            // The server ends the body at Content-Length (Kestrel answers 400 for a shorter one), so one array of
            // exactly that size holds it. A growth buffer asked for 8 KiB up front, which was most of what a
            // 100-byte no-change sync allocated in the gateway.
            var body = new byte[declared];
            var filled = 0;
            while (filled < body.Length)
            {
                var read = await request.Body.ReadAsync(body.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return body.AsMemory(0, filled);
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(ChunkBytes);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }
}
