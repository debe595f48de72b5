using System.Buffers;
using System.IO.Pipelines;

namespace DeviceSync.Gateway.Http;

/// <summary>
/// Where <see cref="JsonBodyResult"/>'s writer puts the body: in a pooled buffer while it is small, so the response goes
/// out with a <c>Content-Length</c> in one socket write with its headers; once a streamed body passes the flush
/// threshold, straight into the response pipe (chunked), as before. Without the buffer every response was chunked:
/// the body and then, when the request ended, the terminating chunk, two sends for a no-change sync of ~150 bytes.
/// </summary>
internal sealed class ResponseBodyBuffer(PipeWriter body) : IBufferWriter<byte>, IDisposable
{
    private const int InitialSize = 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    /// <summary>True once the body goes straight to the response pipe.</summary>
    public bool IsStreaming { get; private set; }

    /// <summary>Bytes held in the buffer (0 once streaming).</summary>
    public int Buffered => _written;

    public void Advance(int count)
    {
        if (IsStreaming)
        {
            body.Advance(count);
            return;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (IsStreaming)
        {
            return body.GetMemory(sizeHint);
        }

        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>From now on, write to the response pipe: what is buffered goes first. The response becomes chunked.</summary>
    public void StartStreaming()
    {
        if (IsStreaming)
        {
            return;
        }

        body.Write(_buffer.AsSpan(0, _written));
        _written = 0;
        IsStreaming = true;
    }

    /// <summary>Sends the body: a buffered one with its length, in one write; a streamed one is flushed.</summary>
    public async Task CompleteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        if (!IsStreaming)
        {
            response.ContentLength = _written;
            await body.WriteAsync(_buffer.AsMemory(0, _written), cancellationToken);
            return;
        }

        await body.FlushAsync(cancellationToken);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Makes room for at least <paramref name="sizeHint"/> more bytes (at least one).</summary>
    private void Reserve(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
