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
        var device = await authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted);
        if (device is null)
        {
            return ProblemResults.Unauthorized();
        }

        if (!rateLimiter.TryAcquire(device, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return new ProblemResult(new Problem(ProblemCodes.RateLimited, "Too many requests for this device or account."))
            {
                Headers = [new("Retry-After", seconds)],
            };
        }

        http.Items[typeof(DeviceIdentity)] = device;
        return await next(context);
    }
}
