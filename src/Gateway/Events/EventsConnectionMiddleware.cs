using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.RateLimiting;
using DeviceSync.Gateway.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Events;

/// <summary>
/// <c>/v1/events</c> sockets off the HTTP request pipeline (docs/adr/0006-change-events.md, amendment 2). A Kestrel
/// connection middleware in front of the HTTP/1.1 handler peeks at a new connection's first bytes without consuming
/// them. A plain <c>GET /v1/events</c> WebSocket upgrade from an admitted, authenticated device that joined its
/// account is answered here (101) and becomes a WebSocket straight over the transport, so an idle socket holds no
/// <c>Http1Connection</c>, <c>HttpContext</c>, request features, logging scopes or middleware frames (~11 KB of the
/// ~14.5 KB a socket cost through the route). Everything else goes on to Kestrel untouched, including every refusal:
/// the route then answers it (401, 429, 503, 400), so answers, headers, metrics and logs stay the route's own.
/// </summary>
public sealed class EventsConnectionMiddleware
{
    /// <summary>The GUID RFC 6455 appends to the client's key for <c>Sec-WebSocket-Accept</c>.</summary>
    private static readonly byte[] AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    private readonly ConnectionDelegate _next;
    private readonly EventHub _hub;
    private readonly DeviceAuthenticator _authenticator;
    private readonly DeviceRateLimiter _rateLimiter;
    private readonly AdmissionControl _admission;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<EventsConnectionMiddleware> _logger;
    private readonly EventsOptions _options;
    private readonly bool _serverHeader;
    private readonly CoarseDeadline _firstBytes;
    private readonly CoarseDeadline _wholeHead;

    private EventsConnectionMiddleware(ConnectionDelegate next, IServiceProvider services)
    {
        _next = next;
        _hub = services.GetRequiredService<EventHub>();
        _authenticator = services.GetRequiredService<DeviceAuthenticator>();
        _rateLimiter = services.GetRequiredService<DeviceRateLimiter>();
        _admission = services.GetRequiredService<AdmissionControl>();
        _metrics = services.GetRequiredService<GatewayMetrics>();
        _logger = services.GetRequiredService<ILogger<EventsConnectionMiddleware>>();
        _options = services.GetRequiredService<IOptions<EventsOptions>>().Value;
        var kestrel = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        _serverHeader = kestrel.AddServerHeader;

        // Kestrel's own bounds for a connection that has not sent its request yet: nothing for the keep-alive timeout,
        // a started request head for the request-headers timeout. Past them the connection is closed, as Kestrel does.
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _firstBytes = new CoarseDeadline(kestrel.Limits.KeepAliveTimeout, time);
        _wholeHead = new CoarseDeadline(kestrel.Limits.RequestHeadersTimeout, time);
    }

    /// <summary>For <c>ListenOptions.Use</c>: the middleware, or <paramref name="next"/> itself when <c>Events:ConnectionHandler</c> is off.</summary>
    public static ConnectionDelegate Create(ConnectionDelegate next, IServiceProvider services)
    {
        if (!services.GetRequiredService<IOptions<EventsOptions>>().Value.ConnectionHandler)
        {
            return next;
        }

        return new EventsConnectionMiddleware(next, services).OnConnectionAsync;
    }

    public Task OnConnectionAsync(ConnectionContext connection)
    {
        // The common case costs one synchronous look: the request is already there and is not an events upgrade.
        var input = connection.Transport.Input;
        if (input.TryRead(out var result))
        {
            var verdict = EventsUpgradeRequest.Parse(result.Buffer, out _);
            input.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
            if (verdict == EventsPeekVerdict.NotMine)
            {
                return _next(connection);
            }
        }

        return PeekAsync(connection);
    }

    private async Task PeekAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        long examined = 0;
        EventsUpgradeRequest? request;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(examined == 0 ? _firstBytes.Token : _wholeHead.Token);
            }
            catch (OperationCanceledException)
            {
                // Too slow for Kestrel's own timeouts: close, as Kestrel would (the token-cancelled read leaves the
                // pipe unfit to pass on).
                return;
            }

            var buffer = result.Buffer;
            var verdict = EventsUpgradeRequest.Parse(buffer, out request);
            if (verdict == EventsPeekVerdict.NeedMore && !result.IsCompleted && !result.IsCanceled)
            {
                // Everything seen: the next read waits for more bytes.
                input.AdvanceTo(buffer.Start, buffer.End);
                examined = buffer.Length;
                continue;
            }

            // Nothing consumed, and nothing marked examined beyond what was (the pipe forbids going back): Kestrel's
            // first read returns these bytes at once.
            input.AdvanceTo(buffer.Start, buffer.GetPosition(examined));
            if (verdict != EventsPeekVerdict.Upgrade)
            {
                await _next(connection);
                return;
            }

            break;
        }

        if (!await TryServeAsync(connection, request!))
        {
            await _next(connection);
        }
    }

    /// <summary>Serves the upgrade; false (nothing consumed, nothing answered) when the route is to answer it instead.</summary>
    private async Task<bool> TryServeAsync(ConnectionContext transport, EventsUpgradeRequest request)
    {
        // The route's admission queue, counted as the route counts it. Shed: the route answers the 503 (its own
        // problem and Retry-After) without queueing again, told so through the connection's items.
        IDisposable? lease;
        try
        {
            lease = _admission.TryEnterNow() ?? await _admission.EnterAsync(transport.ConnectionClosed);
        }
        catch (OperationCanceledException) when (transport.ConnectionClosed.IsCancellationRequested)
        {
            return true;
        }

        if (lease is null)
        {
            transport.Items[AdmissionMiddleware.ShedByConnectionHandler] = true;
            return false;
        }

        AccountSockets account;
        EventConnection connection;
        try
        {
            // What the route does, in its order: the token (cached), the rate limits, joining the account (and its
            // subscription) before the upgrade, then the token again past the cache. Any refusal or failure leaves the
            // request to the route, which repeats these steps and gives the answer it always gave.
            var cancel = transport.ConnectionClosed;
            var device = await _authenticator.AuthenticateAsync(request.Authorization, cancel);
            if (device is null || !_rateLimiter.TryAcquire(device, out _))
            {
                return false;
            }

            connection = new EventConnection(device.DeviceId);
            try
            {
                account = await _hub.JoinAsync(device.AccountId, connection);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                return false;
            }

            bool authenticated;
            try
            {
                authenticated = await _authenticator.AuthenticateAsync(request.Authorization, cancel, useCache: false) is not null;
            }
            catch
            {
                _hub.Leave(account, connection);
                throw;
            }

            if (!authenticated || connection.Revoked)
            {
                _hub.Leave(account, connection);
                return false;
            }
        }
        catch (OperationCanceledException) when (transport.ConnectionClosed.IsCancellationRequested)
        {
            // The device went away before the upgrade: nobody to answer.
            return true;
        }
        catch (Exception)
        {
            // The cluster could not answer the token check: the route will, with its 503 (or its 500).
            return false;
        }
        finally
        {
            // Like the route's AdmissionSlot: a socket holds its slot only while it authenticates and subscribes.
            lease.Dispose();
        }

        try
        {
            var input = transport.Transport.Input;
            if (!input.TryRead(out var head))
            {
                throw new InvalidOperationException("The peeked request head is no longer readable.");
            }

            input.AdvanceTo(head.Buffer.GetPosition(request.HeadLength));
            await WriteSwitchingProtocolsAsync(transport.Transport.Output, request.WebSocketKey);
            Log.UpgradeServed(_logger, account.AccountId, connection.DeviceId);

            using var socket = WebSocket.CreateFromStream(new DuplexPipeStream(transport.Transport), new WebSocketCreationOptions
            {
                IsServer = true,
                KeepAliveInterval = _options.KeepAliveInterval,
                KeepAliveTimeout = _options.KeepAliveTimeout,
            });
            await EventsEndpoints.ServeAsync(account, _hub, connection, socket, _options, "connection");
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException or ObjectDisposedException)
        {
            // The device went away during the upgrade.
        }
        finally
        {
            _hub.Leave(account, connection);

            // Counted like the route's request (route template, status), when the socket ends as the route's does.
            _metrics.Request(EventsEndpoints.Route, StatusCodes.Status101SwitchingProtocols);
        }

        return true;
    }

    /// <summary>The answer ASP.NET Core's WebSocket middleware gives (plus Kestrel's Date and Server headers).</summary>
    private async Task WriteSwitchingProtocolsAsync(PipeWriter output, string key)
    {
        Span<byte> hashed = stackalloc byte[20];
        var keyBytes = Encoding.ASCII.GetBytes(key);
        var input = new byte[keyBytes.Length + AcceptGuid.Length];
        keyBytes.CopyTo(input, 0);
        AcceptGuid.CopyTo(input, keyBytes.Length);
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for Sec-WebSocket-Accept; it proves nothing secret.
        SHA1.HashData(input, hashed);
#pragma warning restore CA5350
        var accept = Convert.ToBase64String(hashed);

        var response = new StringBuilder(192)
            .Append("HTTP/1.1 101 Switching Protocols\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        if (_serverHeader)
        {
            response.Append("Server: Kestrel\r\n");
        }

        response.Append("Upgrade: websocket\r\n")
            .Append("Sec-WebSocket-Accept: ").Append(accept).Append("\r\n\r\n");
        var bytes = Encoding.ASCII.GetBytes(response.ToString());
        await output.WriteAsync(bytes);
    }
}
