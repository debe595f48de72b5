using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

/// <summary>How long a simulated device waits before resending: Retry-After honoured (capped), with jitter over the whole wait.</summary>
public sealed class RetryDelayTests
{
    [Fact]
    public void A_Retry_After_longer_than_the_backoff_sets_the_floor_and_jitter_spreads_up_to_twice_it()
    {
        var random = new Random(7);
        var waits = Enumerable.Range(0, 1000).Select(_ => RetryDelay.Next(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100), random)).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6)));
        // Spread over the window, not bunched at its start: devices shed together come back apart.
        Assert.True(waits.Count(w => w > TimeSpan.FromSeconds(4.5)) > 300);
    }

    [Fact]
    public void Without_Retry_After_or_with_a_shorter_one_the_backoff_rules()
    {
        var random = new Random(7);
        Assert.InRange(RetryDelay.Next(null, TimeSpan.FromSeconds(2), random), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.InRange(RetryDelay.Next(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), random), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.InRange(RetryDelay.Next(TimeSpan.Zero, TimeSpan.FromMilliseconds(100), random), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_huge_Retry_After_is_capped()
    {
        var wait = RetryDelay.Next(TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(100), new Random(7));
        Assert.InRange(wait, RetryDelay.MaxRetryAfter, RetryDelay.MaxRetryAfter * 2);
    }
}
