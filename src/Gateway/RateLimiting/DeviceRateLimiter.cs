using System.Threading.RateLimiting;
using DeviceSync.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.RateLimiting;

/// <summary>
/// Fixed one-second windows per device and per account (System.Threading.RateLimiting, as ASP.NET Core's rate
/// limiting uses). Applied after authentication, so a forged token cannot spend another account's budget.
/// </summary>
public sealed class DeviceRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<DeviceIdentity>? _limiter;

    public DeviceRateLimiter(IOptions<RateLimitOptions> options)
    {
        var limiters = new List<PartitionedRateLimiter<DeviceIdentity>>();
        if (options.Value.PerDevicePerSecond > 0)
        {
            var permits = options.Value.PerDevicePerSecond;
            limiters.Add(PartitionedRateLimiter.Create<DeviceIdentity, (string, string)>(device =>
                RateLimitPartition.GetFixedWindowLimiter((device.AccountId, device.DeviceId), _ => Window(permits))));
        }

        if (options.Value.PerAccountPerSecond > 0)
        {
            var permits = options.Value.PerAccountPerSecond;
            limiters.Add(PartitionedRateLimiter.Create<DeviceIdentity, string>(device =>
                RateLimitPartition.GetFixedWindowLimiter(device.AccountId, _ => Window(permits))));
        }

        _limiter = limiters.Count switch
        {
            0 => null,
            1 => limiters[0],
            _ => PartitionedRateLimiter.CreateChained([.. limiters]),
        };
    }

    /// <summary>True when the request may go on; otherwise how long to wait.</summary>
    public bool TryAcquire(DeviceIdentity device, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire(device);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return false;
    }

    public void Dispose() => _limiter?.Dispose();

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
