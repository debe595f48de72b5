using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace DeviceSync.LoadTest.Events;

/// <summary>
/// One device's <c>/v1/events</c> socket in the harness. Built to be cheap while idle, since one harness process holds
/// thousands: no client ping timer (the server pings; the client answers pongs inside its receive), and no receive
/// buffer held between frames: each wait is a zero-byte read, and a buffer is rented from the shared pool only when
/// a frame has arrived.
/// </summary>
public sealed class HarnessSocket(EventsAccount account, int index)
{
    /// <summary>Frames are small (<c>{"type":"changed","collection":"…","version":N}</c>); longer ones are read in more pieces.</summary>
    private const int FrameBufferSize = 512;

    private ClientWebSocket? _socket;
    private volatile bool _closing;

    public EventsAccount Account => account;

    public int Index => index;

    /// <summary>Set when the socket ended while the run still wanted it (the server closed it, or the connection dropped).</summary>
    public string? EndedBecause { get; private set; }

    public bool IsOpen => _socket is { State: WebSocketState.Open };

    public async Task ConnectAsync(HttpMessageInvoker invoker, Uri address, string token, TimeSpan timeout, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);

        // No client-side pings: the gateway pings every socket (Events:KeepAliveInterval) and the client's receive
        // answers them; a client timer per socket would only cost the harness memory and wake-ups.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(address, invoker, deadline.Token);
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            throw new EventsConnectException($"http-{status}", status == 503 || status == 429);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new EventsConnectException("timeout", retryable: true);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            socket.Dispose();
            throw new EventsConnectException("transport:" + ex.GetType().Name, retryable: true);
        }

        _socket = socket;
    }

    /// <summary>Reads frames until the socket ends or <paramref name="ct"/> is cancelled; each <c>changed</c> frame goes to the account.</summary>
    public async Task ReceiveAsync(string collection, CancellationToken ct)
    {
        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        try
        {
            while (true)
            {
                // Wait for a frame without holding a buffer: idle sockets are the common case.
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, ct);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    EndedBecause = "closed-" + (int?)socket.CloseStatus;
                    return;
                }

                var arrivedAt = Stopwatch.GetTimestamp();
                var buffer = ArrayPool<byte>.Shared.Rent(FrameBufferSize);
                try
                {
                    var length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        if (length == buffer.Length)
                        {
                            var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            buffer.AsSpan(0, length).CopyTo(larger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = larger;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        EndedBecause = "closed-" + (int?)socket.CloseStatus;
                        return;
                    }

                    if (TryReadChanged(buffer.AsSpan(0, length), collection, out var version))
                    {
                        account.OnChanged(index, version, arrivedAt);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || _closing)
        {
            // The run is over (an abort by CloseAsync ends a pending receive with "Aborted").
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_closing)
            {
                EndedBecause = "dropped";
            }
        }
    }

    /// <summary>Closes the socket (a normal close, briefly awaited) and frees it.</summary>
    public async Task CloseAsync()
    {
        if (_socket is not { } socket)
        {
            return;
        }

        _closing = true;
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Already gone.
        }
        finally
        {
            socket.Abort();
            socket.Dispose();
        }
    }

    /// <summary>The version of a <c>changed</c> frame for <paramref name="collection"/>; false for any other frame.</summary>
    public static bool TryReadChanged(ReadOnlySpan<byte> frame, string collection, out long version)
    {
        version = 0;
        string? type = null;
        string? name = null;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.GetString();
                }
                else if (reader.ValueTextEquals("collection"u8))
                {
                    reader.Read();
                    name = reader.GetString();
                }
                else if (reader.ValueTextEquals("version"u8))
                {
                    reader.Read();
                    version = reader.GetInt64();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }

        return type == "changed" && name == collection;
    }
}

/// <summary>A socket that could not be opened; <see cref="Kind"/> is how it is counted in the report.</summary>
public sealed class EventsConnectException(string kind, bool retryable) : Exception("could not open the socket: " + kind)
{
    public string Kind { get; } = kind;

    public bool Retryable => retryable;
}
