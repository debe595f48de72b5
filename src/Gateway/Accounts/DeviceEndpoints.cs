using System.Text.Json;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Events;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Accounts;

/// <summary><c>/v1/devices</c>: register (HTTP Basic), list and revoke (bearer).</summary>
public static class DeviceEndpoints
{
    public static WebApplication MapDevices(this WebApplication app)
    {
        app.MapPost("/v1/devices", RegisterAsync);
        var devices = app.MapGroup("/v1/devices").RequireDevice();
        devices.MapGet("", ListAsync);
        devices.MapDelete("/{deviceId}", RevokeAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, GrainCalls calls, PasswordHasher hasher, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(DeviceEndpoints));
        if (!BasicCredentials.TryParse(context.Request.Headers.Authorization.ToString(), out var accountId, out var password))
        {
            return ProblemResults.PasswordUnauthorized("HTTP Basic credentials (accountId:password) are required.");
        }

        // The same work and the same answer for an unknown account and a wrong password.
        var stored = Names.IsAccountId(accountId)
            ? await calls.OnAccountAsync("Account.GetPasswordHash", accountId, a => a.GetPasswordHashAsync(), context.RequestAborted, resendable: true)
            : null;
        if (!hasher.Verify(password, stored))
        {
            if (Names.IsAccountId(accountId))
            {
                Log.PasswordRejected(logger, accountId);
            }

            return ProblemResults.PasswordUnauthorized();
        }

        var body = await RequestBody.ReadAsync(context.Request, AccountRequests.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"The body is over {AccountRequests.MaxBodyBytes} bytes.");
        }

        var parsed = AccountRequests.ParseDeviceRegistration(body.Value);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var credential = await calls.OnAccountAsync("Account.RegisterDevice", accountId, a => a.RegisterDeviceAsync(parsed.Value), context.RequestAborted);
        if (credential is null)
        {
            return ProblemResults.PasswordUnauthorized();
        }

        Log.DeviceRegistered(logger, accountId, credential.DeviceId);
        return new JsonBodyResult(StatusCodes.Status201Created, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("deviceId", credential.DeviceId);
            writer.WriteString("token", credential.Token);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> ListAsync(HttpContext context, GrainCalls calls)
    {
        var device = context.Device();
        var devices = await calls.OnAccountAsync("Account.ListDevices", device.AccountId, a => a.ListDevicesAsync(), context.RequestAborted, resendable: true);
        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("devices");
            foreach (var info in devices)
            {
                writer.WriteStartObject();
                writer.WriteString("deviceId", info.DeviceId);
                writer.WriteString("name", info.Name);
                writer.WriteString("platform", info.Platform);
                writer.WriteString("createdAt", JsonFormats.Timestamp(info.CreatedAt));
                WriteOptionalTimestamp(writer, "lastSeenAt", info.LastSeenAt);
                if (info.ReadmittedAt is { } readmitted)
                {
                    // Only for devices readmitted after storage lost the account (ADR 0008), so the owner can spot one
                    // revoked before the loss; absent for every other device, as before this field existed.
                    writer.WriteString("readmitted", JsonFormats.Timestamp(readmitted));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> RevokeAsync(string deviceId, HttpContext context, GrainCalls calls, TokenCache cache, EventHub events, ILoggerFactory loggers)
    {
        var device = context.Device();
        if (deviceId.Length is 0 or > 128)
        {
            return ProblemResults.NotFound("No such device in this account.");
        }

        var revoked = await calls.OnAccountAsync("Account.RevokeDevice", device.AccountId, a => a.RevokeDeviceAsync(deviceId), context.RequestAborted);
        cache.Evict(device.AccountId, deviceId);
        if (!revoked)
        {
            return ProblemResults.NotFound("No such device in this account.");
        }

        // This gateway closes the device's sockets at once; the others hear it from the account's events grain.
        events.Revoke(device.AccountId, deviceId);
        var logger = loggers.CreateLogger(typeof(DeviceEndpoints));
        Log.DeviceRevoked(logger, device.AccountId, deviceId);
        return Results.NoContent();
    }

    private static void WriteOptionalTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            writer.WriteString(name, JsonFormats.Timestamp(at));
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
