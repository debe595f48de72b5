using System.Buffers;
using System.IO.Pipelines;

namespace DeviceSync.Gateway.Events;

/// <summary>
/// The connection's transport as the <see cref="Stream"/> <c>WebSocket.CreateFromStream</c> takes. One object over
/// both pipes instead of two adapter streams and a wrapper; an idle socket holds only its one pending read here.
/// Disposing (what <c>WebSocket.Abort</c> does) cancels that read, so an aborted socket's receive loop ends at once;
/// the pipes themselves belong to Kestrel, which completes them when the connection handler returns.
/// </summary>
public sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var input = transport.Input;
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            // A cancelled read is Dispose's CancelPendingRead.
            ObjectDisposedException.ThrowIf(result.IsCanceled, this);

            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                var count = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, count).CopyTo(destination.Span);
                input.AdvanceTo(buffer.GetPosition(count));
                return count;
            }

            input.AdvanceTo(buffer.End);
            if (result.IsCompleted || destination.IsEmpty)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = await transport.Output.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(result.IsCanceled, this);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Every write flushes already (<see cref="System.IO.Pipelines.PipeWriter.WriteAsync"/>).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The event socket only reads asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The event socket only writes asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            transport.Input.CancelPendingRead();
            transport.Output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }
}
