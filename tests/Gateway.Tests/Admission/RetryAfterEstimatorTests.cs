using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Tests.Support;

namespace DeviceSync.Gateway.Tests.Admission;

/// <summary>A shed request's Retry-After: the backlog ahead of it over the recent completion rate, within bounds.</summary>
public sealed class RetryAfterEstimatorTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void The_backlog_over_the_completions_of_the_last_five_whole_seconds()
    {
        var estimator = new RetryAfterEstimator(_time, minSeconds: 1, maxSeconds: 30);
        for (var second = 0; second < 5; second++)
        {
            Complete(estimator, 40);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(40, estimator.CompletionsPerSecond(), 6);
        Assert.Equal(8, estimator.Seconds(320)); // 320 ahead at 40/s
        Assert.Equal(1, estimator.Seconds(10)); // under a second: the floor
        Assert.Equal(30, estimator.Seconds(100_000)); // the ceiling
    }

    [Fact]
    public void Old_seconds_drop_out_and_the_current_partial_second_does_not_count()
    {
        var estimator = new RetryAfterEstimator(_time, minSeconds: 1, maxSeconds: 30);
        Complete(estimator, 100);
        Assert.Equal(0, estimator.CompletionsPerSecond(), 6);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(20, estimator.CompletionsPerSecond(), 6); // 100 over the 5-second window

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, estimator.CompletionsPerSecond(), 6);
    }

    [Fact]
    public void With_nothing_completed_lately_a_backlog_waits_the_longest_and_no_backlog_the_least()
    {
        var estimator = new RetryAfterEstimator(_time, minSeconds: 2, maxSeconds: 10);
        Assert.Equal(10, estimator.Seconds(5));
        Assert.Equal(2, estimator.Seconds(0));
    }

    private static void Complete(RetryAfterEstimator estimator, int count)
    {
        for (var i = 0; i < count; i++)
        {
            estimator.Completed();
        }
    }
}
