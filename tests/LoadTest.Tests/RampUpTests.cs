using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

/// <summary><c>--ramp-up</c>: who starts when (closed loop) and how many operations are due (open loop).</summary>
public sealed class RampUpTests
{
    [Fact]
    public void Closed_loop_workers_start_evenly_spread_over_the_ramp()
    {
        var ramp = TimeSpan.FromSeconds(30);
        var offsets = Enumerable.Range(0, 1000).Select(i => RampUp.StartOffset(i, 1000, ramp)).ToList();

        Assert.Equal(TimeSpan.Zero, offsets[0]);
        Assert.Equal(TimeSpan.FromSeconds(15), offsets[500]);
        Assert.Equal(TimeSpan.FromSeconds(29.97), offsets[^1]);
        Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.First <= p.Second), "offsets never go back");
        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, ramp));
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.029, 1)]
    [InlineData(0.03, 2)]
    [InlineData(15.0, 501)]
    [InlineData(29.99, 1000)]
    [InlineData(30.0, 1000)]
    [InlineData(90.0, 1000)]
    public void Started_counts_the_workers_whose_offset_has_passed(double seconds, int started)
    {
        var ramp = TimeSpan.FromSeconds(30);
        Assert.Equal(started, RampUp.Started(TimeSpan.FromSeconds(seconds), 1000, ramp));
        Assert.Equal(started, Enumerable.Range(0, 1000).Count(i => RampUp.StartOffset(i, 1000, ramp) <= TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Without_a_ramp_everything_starts_at_once()
    {
        Assert.Equal(TimeSpan.Zero, RampUp.StartOffset(999, 1000, TimeSpan.Zero));
        Assert.Equal(1000, RampUp.Started(TimeSpan.Zero, 1000, TimeSpan.Zero));
        Assert.Equal(100 * 10.0, RampUp.OperationsDue(TimeSpan.FromSeconds(10), 100, TimeSpan.Zero), 6);
    }

    [Fact]
    public void Open_loop_rate_climbs_linearly_and_the_due_operations_are_the_area_under_it()
    {
        var ramp = TimeSpan.FromSeconds(20);
        Assert.Equal(0, RampUp.OperationsDue(TimeSpan.Zero, 100, ramp), 6);
        Assert.Equal(250, RampUp.OperationsDue(TimeSpan.FromSeconds(10), 100, ramp), 6); // rate 50/s at 10 s: ½·10·50
        Assert.Equal(1000, RampUp.OperationsDue(TimeSpan.FromSeconds(20), 100, ramp), 6); // the ramp's triangle
        Assert.Equal(5000, RampUp.OperationsDue(TimeSpan.FromSeconds(60), 100, ramp), 6); // then the full rate
        Assert.Equal(50, RampUp.RateAt(TimeSpan.FromSeconds(10), 100, ramp), 6);
        Assert.Equal(100, RampUp.RateAt(TimeSpan.FromSeconds(25), 100, ramp), 6);
    }

    [Theory]
    [InlineData("--ramp-up", "60s")]
    [InlineData("--ramp-up", "90s")]
    [InlineData("--ramp-up", "soon")]
    public async Task A_ramp_up_not_shorter_than_the_duration_is_a_usage_error(string option, string value)
    {
        var exitCode = await HarnessCommandLine.InvokeAsync(["run", "--duration", "60s", option, value]);
        Assert.Equal(ExitCodes.Usage, exitCode);
    }
}
