using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.RateLimiting;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Tests.RateLimiting;

public sealed class DeviceRateLimiterTests
{
    [Fact]
    public void Off_by_default()
    {
        using var limiter = new DeviceRateLimiter(Options.Create(new RateLimitOptions()));
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(limiter.TryAcquire(new DeviceIdentity("alice", "d1"), out _));
        }
    }

    [Fact]
    public void Limits_each_device()
    {
        using var limiter = new DeviceRateLimiter(Options.Create(new RateLimitOptions { PerDevicePerSecond = 2 }));
        var d1 = new DeviceIdentity("alice", "d1");
        Assert.True(limiter.TryAcquire(d1, out _));
        Assert.True(limiter.TryAcquire(d1, out _));
        Assert.False(limiter.TryAcquire(d1, out var retryAfter));
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.True(limiter.TryAcquire(new DeviceIdentity("alice", "d2"), out _));
        Assert.True(limiter.TryAcquire(new DeviceIdentity("bob", "d1"), out _));
    }

    [Fact]
    public void Limits_each_account_across_its_devices()
    {
        using var limiter = new DeviceRateLimiter(Options.Create(new RateLimitOptions { PerDevicePerSecond = 10, PerAccountPerSecond = 3 }));
        Assert.True(limiter.TryAcquire(new DeviceIdentity("alice", "d1"), out _));
        Assert.True(limiter.TryAcquire(new DeviceIdentity("alice", "d2"), out _));
        Assert.True(limiter.TryAcquire(new DeviceIdentity("alice", "d3"), out _));
        Assert.False(limiter.TryAcquire(new DeviceIdentity("alice", "d4"), out _));
        Assert.True(limiter.TryAcquire(new DeviceIdentity("bob", "d1"), out _));
    }
}
