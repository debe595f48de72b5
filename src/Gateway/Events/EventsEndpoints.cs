using System.Net.WebSockets;
using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Problems;
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
        app.MapGet(Route, ConnectAsync).RequireDevice().WithMetadata(AccessTokenQuery.Allowed);
        return app;
    }

    private static async Task<IResult> ConnectAsync(HttpContext context, EventHub hub, DeviceAuthenticator authenticator, IOptions<EventsOptions> options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ProblemResults.Invalid("GET /v1/events is a WebSocket endpoint: send a WebSocket upgrade request (Connection: Upgrade, Upgrade: websocket).");
        }

        var device = context.Device();
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
                return ProblemResults.Unauthorized();
            }

            context.Features.Get<AdmissionSlot>()?.Release();
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            connection.Attach(socket);
            hub.Opened();
            try
            {
                if (connection.Revoked)
                {
                    await account.Enqueue(() => connection.CloseAsync(EventFrames.RevokedCloseCode, "device revoked", options.Value.SendTimeout));
                }

                await ReceiveUntilClosedAsync(account, connection, socket, options.Value.SendTimeout, context.RequestAborted);
            }
            finally
            {
                hub.Closed();
            }

            return Results.Empty;
        }
        finally
        {
            hub.Leave(account, connection);
        }
    }

    private static async Task ReceiveUntilClosedAsync(AccountSockets account, EventConnection connection, WebSocket socket, TimeSpan sendTimeout, CancellationToken aborted)
    {
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(Discard.AsMemory(), aborted);
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
