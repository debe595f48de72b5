using System.Globalization;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.RateLimiting;

namespace DeviceSync.Gateway.Auth;

/// <summary>Requires a valid bearer token on a route, then applies the device and account rate limits.</summary>
public sealed class DeviceAuthFilter(DeviceAuthenticator authenticator, DeviceRateLimiter rateLimiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (device, refusal) = await AuthorizeAsync(http, authenticator, rateLimiter);
        if (device is null)
        {
            return refusal;
        }

        http.Items[typeof(DeviceIdentity)] = device;
        return await next(context);
    }

    /// <summary>
    /// The device behind the request's token, or the answer that refuses it: 401 without a valid token, 429 with
    /// <c>Retry-After</c> past the device's or account's rate limit. For routes that cannot take the filter (the events
    /// route is a plain request delegate, so an open socket keeps no filter frames alive).
    /// </summary>
    public static async Task<(DeviceIdentity? Device, IResult? Refusal)> AuthorizeAsync(
        HttpContext http, DeviceAuthenticator authenticator, DeviceRateLimiter rateLimiter)
    {
        var device = await authenticator.AuthenticateAsync(ReadAuthorization(http), http.RequestAborted);
        if (device is null)
        {
            return (null, ProblemResults.Unauthorized());
        }

        if (!rateLimiter.TryAcquire(device, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return (null, new ProblemResult(new Problem(ProblemCodes.RateLimited, "Too many requests for this device or account."))
            {
                Headers = [new("Retry-After", seconds)],
            });
        }

        return (device, null);
    }

    /// <summary>
    /// The <c>Authorization</c> header; on a route marked <see cref="AccessTokenQuery"/> without that header, the
    /// <c>access_token</c> query parameter as a bearer token (PROTOCOL.md "Events": for clients that cannot set headers).
    /// </summary>
    public static string ReadAuthorization(HttpContext http)
    {
        var header = http.Request.Headers.Authorization;
        if (header.Count > 0)
        {
            return header.ToString();
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<AccessTokenQuery>() is not null
            && http.Request.Query.TryGetValue("access_token", out var values)
            && values.Count == 1
            && !string.IsNullOrEmpty(values[0]))
        {
            return "Bearer " + values[0];
        }

        return "";
    }
}
