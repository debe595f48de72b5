using DeviceSync.Contracts.Accounts;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;

namespace DeviceSync.Gateway.Accounts;

/// <summary><c>POST /v1/accounts</c>: create an account with a password.</summary>
public static class AccountEndpoints
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PasswordHasher>();
        return builder;
    }

    public static WebApplication MapAccounts(this WebApplication app)
    {
        app.MapPost("/v1/accounts", CreateAsync);
        app.MapPut("/v1/account/password", SetPasswordAsync).RequireDevice();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, GrainCalls calls, PasswordHasher hasher, ILoggerFactory loggers)
    {
        var body = await RequestBody.ReadAsync(context.Request, AccountRequests.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"The body is over {AccountRequests.MaxBodyBytes} bytes.");
        }

        var parsed = AccountRequests.ParseNewAccount(body.Value);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var accountId = parsed.Value.AccountId;
        var hash = hasher.Hash(parsed.Value.Password);
        var created = await calls.OnAccountAsync("Account.Create", accountId, a => a.CreateAsync(hash), context.RequestAborted);
        if (created != AccountCreation.Created)
        {
            return ProblemResult.Of(ProblemCodes.AccountExists, $"Account '{accountId}' exists.");
        }

        var logger = loggers.CreateLogger(typeof(AccountEndpoints));
        Log.AccountCreated(logger, accountId);
        return new JsonBodyResult(StatusCodes.Status201Created, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("accountId", accountId);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// <c>PUT /v1/account/password</c> (bearer): gives a password to an account that has none, so the owner of an account
    /// recovered after storage lost it (ADR 0008) can register devices again. Never replaces a password: 409 then.
    /// </summary>
    private static async Task<IResult> SetPasswordAsync(HttpContext context, GrainCalls calls, PasswordHasher hasher, ILoggerFactory loggers)
    {
        var device = context.Device();
        var body = await RequestBody.ReadAsync(context.Request, AccountRequests.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"The body is over {AccountRequests.MaxBodyBytes} bytes.");
        }

        var parsed = AccountRequests.ParseNewPassword(body.Value);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var hash = hasher.Hash(parsed.Value);
        var outcome = await calls.OnAccountAsync("Account.SetPassword", device.AccountId, a => a.SetPasswordAsync(hash), context.RequestAborted);
        switch (outcome)
        {
            case PasswordSetting.Set:
                Log.PasswordSet(loggers.CreateLogger(typeof(AccountEndpoints)), device.AccountId, device.DeviceId);
                return Results.NoContent();
            case PasswordSetting.AlreadySet:
                return ProblemResult.Of(ProblemCodes.Conflict, "The account has a password; it is not replaced through this route.");
            default:
                return ProblemResults.Unauthorized();
        }
    }
}
