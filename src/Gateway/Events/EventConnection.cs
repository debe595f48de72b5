using System.Net.WebSockets;

namespace DeviceSync.Gateway.Events;

/// <summary>
/// One device's event socket. Kept small on purpose (a gateway is meant to hold 100,000 of them): no timer, no
/// buffer, no queue of its own; sends are ordered by its account's <see cref="AccountSockets"/>.
/// </summary>
public sealed class EventConnection(string deviceId)
{
    private WebSocket? _socket;
    private volatile bool _revoked;

    public string DeviceId => deviceId;

    /// <summary>Set by a revocation, also one that arrives before the upgrade has completed.</summary>
    public bool Revoked => _revoked;

    public WebSocket? Socket => Volatile.Read(ref _socket);

    public void Attach(WebSocket socket) => Volatile.Write(ref _socket, socket);

    public void MarkRevoked() => _revoked = true;

    /// <summary>Sends one frame; a device that does not take it within <paramref name="timeout"/> loses the socket.</summary>
    /// <returns>True when the frame was sent.</returns>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> frame, TimeSpan timeout)
    {
        if (Socket is not { State: WebSocketState.Open } socket || _revoked)
        {
            return false;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // A cancelled send leaves the socket aborted: its receive loop ends and the device reconnects and syncs.
            socket.Abort();
            return false;
        }
    }

    /// <summary>Starts the close handshake with <paramref name="code"/>; the receive loop sees the device's answer and ends.</summary>
    public async Task CloseAsync(int code, string reason, TimeSpan timeout)
    {
        if (Socket is not { State: WebSocketState.Open or WebSocketState.CloseReceived } socket)
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            socket.Abort();
            return;
        }

        if (socket.State == WebSocketState.CloseSent)
        {
            // We closed first: a device that never answers must not keep its socket (and its receive loop) forever.
            _ = AbortLaterAsync(socket, timeout);
        }
    }

    private static async Task AbortLaterAsync(WebSocket socket, TimeSpan after)
    {
        await Task.Delay(after).ConfigureAwait(false);
        if (socket.State != WebSocketState.Closed)
        {
            socket.Abort();
        }
    }
}
