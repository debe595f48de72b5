using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace DeviceSync.Client;

/// <summary>
/// Keeps a device's <c>/v1/events</c> WebSocket open (PROTOCOL.md "Events") and syncs the device after every
/// (re)connect and on every <c>changed</c> frame: events are hints, so a sync after connecting is what covers whatever
/// happened while the socket was down. Reconnects with exponential backoff and jitter; stops for good when the device
/// is revoked (close code 4001, or 401 on connect). Syncs never overlap: changes that arrive during a sync make one
/// more sync after it.
/// </summary>
public sealed class EventListener : IAsyncDisposable
{
    public const int RevokedCloseCode = 4001;

    private readonly Device _device;
    private readonly EventListenerOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _syncLock = new();
    private Task? _running;
    private Task _syncing = Task.CompletedTask;
    private bool _syncAgain;
    private bool _syncRunning;
    private int _connects;
    private int _syncs;

    public EventListener(Device device, EventListenerOptions? options = null)
    {
        _device = device;
        _options = options ?? new EventListenerOptions();
        _time = device.Connection.Client.Time;
    }

    /// <summary>A <c>changed</c> frame arrived (before the sync it causes).</summary>
    public event Action<ChangedEvent>? Changed;

    /// <summary>A sync the listener started failed (the device's own retries were exhausted); the next event or reconnect tries again.</summary>
    public event Action<Exception>? SyncFailed;

    /// <summary>Connections made so far (the first and every reconnect).</summary>
    public int Connects => Volatile.Read(ref _connects);

    /// <summary>Syncs the listener has completed.</summary>
    public int Syncs => Volatile.Read(ref _syncs);

    /// <summary>True once the server said the device is revoked; the listener has stopped.</summary>
    public bool Revoked { get; private set; }

    /// <summary>Completes when the listener stops (revoked, or disposed).</summary>
    public Task Completion => _running ?? Task.CompletedTask;

    public static Uri EventsAddress(Uri gateway)
    {
        var builder = new UriBuilder(new Uri(gateway, "v1/events"));
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    /// <summary>Starts listening in the background.</summary>
    public void Start()
    {
        var gateway = _device.Connection.Client.BaseAddress ?? throw new InvalidOperationException("The device's HttpClient has no BaseAddress.");
        _running ??= Task.Run(() => RunAsync(EventsAddress(gateway), _stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
            await _syncing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(Uri address, CancellationToken stop)
    {
        var delay = _options.InitialReconnectDelay;
        while (!stop.IsCancellationRequested && !Revoked)
        {
            var connected = await ListenOnceAsync(address, stop).ConfigureAwait(false);
            if (Revoked || stop.IsCancellationRequested)
            {
                return;
            }

            if (connected)
            {
                delay = _options.InitialReconnectDelay;
            }

            // Full jitter: a fleet that lost one gateway does not come back in step.
            var wait = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
            try
            {
                await Task.Delay(wait, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    /// <summary>One connection, until it ends. True if it was established.</summary>
    private async Task<bool> ListenOnceAsync(Uri address, CancellationToken stop)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _device.Connection.Credentials.Token);
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                await socket.ConnectAsync(address, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            if (socket.HttpStatusCode == HttpStatusCode.Unauthorized)
            {
                Revoked = true;
            }

            return false;
        }

        Interlocked.Increment(ref _connects);
        RequestSync(); // whatever happened while the socket was down
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), stop).ConfigureAwait(false);
                    if (result.MessageType != WebSocketMessageType.Close)
                    {
                        message.Write(buffer, 0, result.Count);
                    }
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Revoked = (int?)socket.CloseStatus == RevokedCloseCode;
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    }

                    return true;
                }

                if (result.MessageType == WebSocketMessageType.Text && Parse(message.GetBuffer().AsMemory(0, (int)message.Length)) is { } changed)
                {
                    Changed?.Invoke(changed);
                    RequestSync();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            return true; // dropped (or stopping): reconnect
        }
    }

    /// <summary>A <c>changed</c> frame, or null for any other (unknown frame types are ignored, as the protocol asks).</summary>
    private static ChangedEvent? Parse(ReadOnlyMemory<byte> text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "changed"
                && root.TryGetProperty("collection", out var collection) && collection.ValueKind == JsonValueKind.String
                && root.TryGetProperty("version", out var version) && version.TryGetInt64(out var v)
                ? new ChangedEvent(collection.GetString()!, v)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void RequestSync()
    {
        lock (_syncLock)
        {
            // The flag, not the task's state: the loop decides to end under this lock, so no request falls between.
            if (_syncRunning)
            {
                _syncAgain = true;
                return;
            }

            _syncRunning = true;
            _syncing = Task.Run(SyncUntilQuietAsync);
        }
    }

    private async Task SyncUntilQuietAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _device.SyncAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _syncs);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                SyncFailed?.Invoke(ex);
            }

            lock (_syncLock)
            {
                if (!_syncAgain || _stop.IsCancellationRequested)
                {
                    _syncRunning = false;
                    return;
                }

                _syncAgain = false;
            }
        }
    }
}
