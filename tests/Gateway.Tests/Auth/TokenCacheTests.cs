using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Tests.Support;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Tests.Auth;

public sealed class TokenCacheTests
{
    private static readonly DeviceIdentity Device = new("alice", "d1");
    private static readonly byte[] Secret = [1, 2, 3, 4];

    [Fact]
    public void Remembers_a_positive_check_until_it_expires()
    {
        var time = new ManualTimeProvider();
        var cache = new TokenCache(time, Options.Create(new AuthOptions { TokenCacheSeconds = 2 }));
        cache.Add(Device, Secret);

        Assert.True(cache.IsValid(Device, Secret));
        time.Advance(TimeSpan.FromSeconds(1.999));
        Assert.True(cache.IsValid(Device, Secret));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.IsValid(Device, Secret));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Another_secret_for_the_same_device_is_not_valid()
    {
        var cache = new TokenCache(new ManualTimeProvider(), Options.Create(new AuthOptions()));
        cache.Add(Device, Secret);
        Assert.False(cache.IsValid(Device, [1, 2, 3, 5]));
        Assert.False(cache.IsValid(Device with { DeviceId = "d2" }, Secret));
        Assert.False(cache.IsValid(Device with { AccountId = "bob" }, Secret));
    }

    [Fact]
    public void Eviction_takes_effect_at_once()
    {
        var cache = new TokenCache(new ManualTimeProvider(), Options.Create(new AuthOptions()));
        cache.Add(Device, Secret);
        cache.Evict("alice", "d1");
        Assert.False(cache.IsValid(Device, Secret));
    }

    [Fact]
    public void Zero_seconds_turns_the_cache_off()
    {
        var cache = new TokenCache(new ManualTimeProvider(), Options.Create(new AuthOptions { TokenCacheSeconds = 0 }));
        cache.Add(Device, Secret);
        Assert.False(cache.IsValid(Device, Secret));
    }

    [Fact]
    public void Entries_never_live_past_4_seconds_even_if_misconfigured()
    {
        var time = new ManualTimeProvider();
        var cache = new TokenCache(time, Options.Create(new AuthOptions { TokenCacheSeconds = 60 }));
        cache.Add(Device, Secret);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(cache.IsValid(Device, Secret));
    }

    [Fact]
    public void The_option_rejects_more_than_4_seconds()
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var options = new AuthOptions { TokenCacheSeconds = 4.5 };
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
    }

    [Fact]
    public void Stays_bounded()
    {
        var cache = new TokenCache(new ManualTimeProvider(), Options.Create(new AuthOptions { TokenCacheMaxEntries = 10 }));
        for (var i = 0; i < 25; i++)
        {
            cache.Add(new DeviceIdentity("alice", $"d{i}"), Secret);
        }

        Assert.True(cache.Count <= 10);
    }
}
