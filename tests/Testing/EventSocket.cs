using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace DeviceSync.Testing;

/// <summary>
/// A device's <c>/v1/events</c> WebSocket (PROTOCOL.md "Events") over a real <see cref="ClientWebSocket"/>: every
/// text frame is kept with the time it arrived, and the close status the server sent is recorded.
/// </summary>
public sealed class EventSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<EventFrame> _incoming = Channel.CreateUnbounded<EventFrame>();
    private readonly List<EventFrame> _received = [];
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _receiving;

    private EventSocket(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = ReceiveAsync();
    }

    /// <summary>Every frame received so far, oldest first.</summary>
    public IReadOnlyList<EventFrame> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Completes with the server's close status (null if the connection dropped without one).</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    /// <summary>The <c>ws://</c> address of <c>/v1/events</c> on a gateway, with the token in the query when given.</summary>
    public static Uri Address(Uri gateway, string? accessToken = null)
    {
        var builder = new UriBuilder(new Uri(gateway, "/v1/events")) { Scheme = "ws" };
        if (accessToken is not null)
        {
            builder.Query = "access_token=" + Uri.EscapeDataString(accessToken);
        }

        return builder.Uri;
    }

    /// <summary>Connects with <c>Authorization: Bearer</c>, or with <c>?access_token=</c> when <paramref name="tokenInQuery"/>.</summary>
    public static async Task<EventSocket> ConnectAsync(Uri gateway, string token, bool tokenInQuery = false, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        if (!tokenInQuery)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await socket.ConnectAsync(Address(gateway, tokenInQuery ? token : null), timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EventSocket(socket);
    }

    /// <summary>Tries to connect and returns the HTTP status the gateway refused the upgrade with (101 when it accepted).</summary>
    public static async Task<HttpStatusCode> StatusOfConnectAsync(Uri gateway, string? headerToken, string? queryToken = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (headerToken is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + headerToken);
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await socket.ConnectAsync(Address(gateway, queryToken), timeout.Token).ConfigureAwait(false);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    /// <summary>The first frame received so far, or arriving within <paramref name="timeout"/>, that matches.</summary>
    public async Task<EventFrame> WaitForAsync(Func<EventFrame, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                // Drain what has arrived, then look at everything: a frame another wait skipped past still counts.
                while (_incoming.Reader.TryRead(out _))
                {
                }

                if (Received.FirstOrDefault(match) is { } frame)
                {
                    return frame;
                }

                if (!await _incoming.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"The socket closed ({_closed.Task.Result}) before a matching event; received: {string.Join(", ", Received.Select(f => f.Text))}");
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching event within {timeout}; received: {string.Join(", ", Received.Select(f => f.Text))}");
        }
    }

    /// <summary>A <c>changed</c> frame for <paramref name="collection"/> at <paramref name="version"/> or later.</summary>
    public Task<EventFrame> WaitForChangeAsync(string collection, long version, TimeSpan timeout) =>
        WaitForAsync(f => f.Type == "changed" && f.Collection == collection && f.Version >= version, timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Already gone.
        }

        _socket.Abort();
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Ended by the abort.
        }

        _socket.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(result.CloseStatus);
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    }

                    return;
                }

                var frame = EventFrame.Parse(Encoding.UTF8.GetString(message.ToArray()), Stopwatch.GetTimestamp());
                lock (_received)
                {
                    _received.Add(frame);
                }

                _incoming.Writer.TryWrite(frame);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _closed.TrySetResult(null);
        }
        finally
        {
            _incoming.Writer.TryComplete();
        }
    }
}

/// <summary>One text frame from <c>/v1/events</c>, with its arrival time (a <see cref="Stopwatch"/> timestamp).</summary>
public sealed record EventFrame(string Text, string? Type, string? Collection, long Version, long ArrivedAt)
{
    public static EventFrame Parse(string text, long arrivedAt)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        return new EventFrame(
            text,
            root.TryGetProperty("type", out var type) ? type.GetString() : null,
            root.TryGetProperty("collection", out var collection) ? collection.GetString() : null,
            root.TryGetProperty("version", out var version) ? version.GetInt64() : 0,
            arrivedAt);
    }
}
