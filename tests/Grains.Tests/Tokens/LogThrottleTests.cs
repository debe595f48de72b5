using DeviceSync.Grains.Accounts;
using Xunit;

namespace DeviceSync.Grains.Tests.Tokens;

public sealed class LogThrottleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_line_passes_then_one_per_interval_with_the_count_held_back()
    {
        var throttle = new LogThrottle(TimeSpan.FromMinutes(1));

        Assert.True(throttle.TryPass(Start, out var first));
        Assert.Equal(0, first);

        for (var i = 1; i <= 1000; i++)
        {
            Assert.False(throttle.TryPass(Start.AddMilliseconds(i), out _)); // a flood inside the minute writes nothing
        }

        Assert.True(throttle.TryPass(Start.AddMinutes(1), out var next));
        Assert.Equal(1000, next);
        Assert.False(throttle.TryPass(Start.AddMinutes(1.5), out _));
        Assert.True(throttle.TryPass(Start.AddMinutes(2.5), out var last));
        Assert.Equal(1, last);
    }
}
