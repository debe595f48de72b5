namespace DeviceSync.LoadTest.Run;

/// <summary>
/// <c>--ramp-up</c>: load that starts gradually and linearly instead of all at once. Closed loop: worker <c>i</c> of
/// <c>n</c> starts <c>i/n</c> of the way through the ramp. Open loop: the rate climbs from 0 to the target over the
/// ramp, so the operations due by time <c>t</c> are the area under that line. A cluster that must open a journal
/// stream per collection and an account per device absorbs a ramp far better than 1,000 cold devices in one instant.
/// </summary>
public static class RampUp
{
    /// <summary>When the <paramref name="index"/>-th of <paramref name="count"/> workers starts, after the load began.</summary>
    public static TimeSpan StartOffset(int index, int count, TimeSpan rampUp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (rampUp <= TimeSpan.Zero || count <= 1)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromTicks(rampUp.Ticks * Math.Min(index, count) / count);
    }

    /// <summary>How many of <paramref name="count"/> workers have started <paramref name="elapsed"/> into the load.</summary>
    public static int Started(TimeSpan elapsed, int count, TimeSpan rampUp)
    {
        if (rampUp <= TimeSpan.Zero || elapsed >= rampUp)
        {
            return count;
        }

        if (elapsed < TimeSpan.Zero)
        {
            return 0;
        }

        // Worker i has started when i·rampUp/count ≤ elapsed, i.e. i ≤ elapsed·count/rampUp.
        return (int)Math.Min(count, (elapsed.Ticks * (long)count / rampUp.Ticks) + 1);
    }

    /// <summary>Open loop: operations due <paramref name="elapsed"/> into the load at a <paramref name="rate"/> reached at the end of the ramp.</summary>
    public static double OperationsDue(TimeSpan elapsed, double rate, TimeSpan rampUp)
    {
        var t = Math.Max(0, elapsed.TotalSeconds);
        var ramp = rampUp.TotalSeconds;
        if (ramp <= 0)
        {
            return rate * t;
        }

        return t < ramp ? rate * t * t / (2 * ramp) : rate * (t - (ramp / 2));
    }

    /// <summary>Open loop: the target rate <paramref name="elapsed"/> into the load.</summary>
    public static double RateAt(TimeSpan elapsed, double rate, TimeSpan rampUp) =>
        rampUp <= TimeSpan.Zero || elapsed >= rampUp ? rate : rate * Math.Max(0, elapsed.TotalSeconds) / rampUp.TotalSeconds;
}
