using System.Net.WebSockets;
using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.RateLimiting;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Events;

/// <summary><c>GET /v1/events</c>: the device's WebSocket for change events (PROTOCOL.md "Events").</summary>
public static class EventsEndpoints
{
    public const string Route = "/v1/events";

    /// <summary>
    /// Where a device's frames (it has nothing to say; the protocol defines no messages from devices) are read into
    /// and dropped. One buffer for every socket instead of one per socket: nothing ever reads it, so concurrent
    /// writes into it are harmless, and an idle socket then holds no buffer at all.
    /// </summary>
    private static readonly byte[] Discard = new byte[4096];

    public static WebApplication MapEvents(this WebApplication app)
    {
        // A plain request delegate that takes the singletons it needs from the root provider, not a minimal-API
        // handler behind DeviceAuthFilter: a socket keeps its request, and everything awaiting that request, alive for
        // as long as it is open. The handler form held per socket the parameter binder's and the endpoint filter's
        // frames, the filter's context, HttpContext.Items and a request service scope (~1 KB of the ~15 KB a socket
        // cost, docs/benchmarks.md "Event sockets at scale"); this one authenticates as DeviceAuthFilter does, inline.
        // Resolved per request, not here: options are validated when the gateway starts, never while it is built.
        var services = app.Services;
        app.MapGet(Route, (RequestDelegate)(context => ConnectAsync(
                context,
                services.GetRequiredService<EventHub>(),
                services.GetRequiredService<DeviceAuthenticator>(),
                services.GetRequiredService<DeviceRateLimiter>(),
                services.GetRequiredService<IOptions<EventsOptions>>().Value)))
            .WithMetadata(AccessTokenQuery.Allowed);
        return app;
    }

    private static async Task ConnectAsync(HttpContext context, EventHub hub, DeviceAuthenticator authenticator, DeviceRateLimiter rateLimiter, EventsOptions options)
    {
        // What RequireDevice() (DeviceAuthFilter) does on every other device route: 401 without a valid token, then the
        // device and account rate limits.
        var (device, refusal) = await DeviceAuthFilter.AuthorizeAsync(context, authenticator, rateLimiter);
        if (device is null)
        {
            await refusal!.ExecuteAsync(context);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemResults.Invalid("GET /v1/events is a WebSocket endpoint: send a WebSocket upgrade request (Connection: Upgrade, Upgrade: websocket).").ExecuteAsync(context);
            return;
        }

        var connection = new EventConnection(device.DeviceId);

        // Joined (and subscribed) before the upgrade: a device that syncs right after connecting sees every change
        // before it in that sync and gets an event for every change after it. Fails with 503 when the cluster cannot serve.
        var account = await hub.JoinAsync(device.AccountId, connection);
        try
        {
            // Checked again past the token cache, after joining: a revocation before this point fails here, one after
            // it reaches the connection (as an event) and closes the socket with 4001.
            if (await authenticator.AuthenticateAsync(DeviceAuthFilter.ReadAuthorization(context), context.RequestAborted, useCache: false) is null
                || connection.Revoked)
            {
                await ProblemResults.Unauthorized().ExecuteAsync(context);
                return;
            }

            context.Features.Get<AdmissionSlot>()?.Release();
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await ServeAsync(account, hub, connection, socket, options, "request");
        }
        finally
        {
            hub.Leave(account, connection);
        }
    }

    /// <summary>
    /// An accepted socket's life, shared by this route and <see cref="EventsConnectionMiddleware"/>: counted open, closed
    /// with 4001 at once when revoked during the upgrade, its frames read and dropped until it closes.
    /// </summary>
    internal static async Task ServeAsync(AccountSockets account, EventHub hub, EventConnection connection, WebSocket socket, EventsOptions options, string path)
    {
        connection.Attach(socket);
        hub.Opened(path);
        try
        {
            if (connection.Revoked)
            {
                await account.Enqueue(() => connection.CloseAsync(EventFrames.RevokedCloseCode, "device revoked", options.SendTimeout));
            }

            await ReceiveUntilClosedAsync(account, connection, socket, options.SendTimeout);
        }
        finally
        {
            hub.Closed();
        }
    }

    /// <summary>
    /// Reads (and drops) the device's frames until it closes. No cancellation token: each receive would register one
    /// on the request's token for the socket's whole life, and nothing needs it: a dropped connection fails the read,
    /// an unanswered keep-alive ping aborts the socket, and a stopping gateway closes every socket (<see cref="EventHub.CloseAll"/>).
    /// </summary>
    private static async Task ReceiveUntilClosedAsync(AccountSockets account, EventConnection connection, WebSocket socket, TimeSpan sendTimeout)
    {
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(Discard.AsMemory(), CancellationToken.None);
                if (result.MessageType != WebSocketMessageType.Close)
                {
                    continue;
                }

                if (socket.State == WebSocketState.CloseReceived)
                {
                    // The device closed first: answer through the account's send chain (never beside a send).
                    await account.Enqueue(() => connection.CloseAsync((int)WebSocketCloseStatus.NormalClosure, "", sendTimeout));
                }

                return;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The connection dropped, was aborted (a send timed out, the keep-alive went unanswered) or the request ended.
        }
    }
}
