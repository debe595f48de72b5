namespace DeviceSync.LoadTest.Run;

/// <summary>
/// How long a simulated device waits before resending: the server's <c>Retry-After</c> (capped, so a wrong header
/// cannot park a device for the rest of the run) or the device's own backoff, whichever is longer, plus up to as much
/// again at random. The jitter spans the whole wait, not just the backoff, so devices shed together by an overloaded
/// gateway come back spread over a window instead of all at the same instant.
/// </summary>
public static class RetryDelay
{
    /// <summary>The longest <c>Retry-After</c> the harness obeys; a larger one is cut to this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    public static TimeSpan Next(TimeSpan? retryAfter, TimeSpan backoff, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var floor = retryAfter is { } ra && ra > backoff ? (ra > MaxRetryAfter ? MaxRetryAfter : ra) : backoff;
        if (floor < backoff)
        {
            floor = backoff;
        }

        return floor + TimeSpan.FromTicks((long)(random.NextDouble() * floor.Ticks));
    }
}
