namespace DeviceSync.Gateway.Admission;

/// <summary>
/// How long a shed request should wait before there is likely room: the requests ahead of it (in flight and queued)
/// divided by how many the gateway has been completing per second lately, between a floor and a ceiling. A fixed
/// <c>Retry-After</c> brings a shed fleet back long before the backlog has drained when the cluster is slow, and every
/// early return is another request to shed; one sized to the backlog spends the capacity on serving instead.
/// </summary>
public sealed class RetryAfterEstimator(TimeProvider time, int minSeconds, int maxSeconds)
{
    /// <summary>Whole seconds of completions the rate is averaged over (the current, partial second is not counted).</summary>
    public const int WindowSeconds = 5;

    private readonly Lock _lock = new();
    private readonly long[] _counts = new long[WindowSeconds + 1];
    private readonly long[] _secondOfSlot = new long[WindowSeconds + 1];

    public void Completed()
    {
        var second = CurrentSecond();
        var slot = (int)(second % _counts.Length);
        lock (_lock)
        {
            if (_secondOfSlot[slot] != second)
            {
                _secondOfSlot[slot] = second;
                _counts[slot] = 0;
            }

            _counts[slot]++;
        }
    }

    /// <summary>Requests completed per second over the last <see cref="WindowSeconds"/> whole seconds.</summary>
    public double CompletionsPerSecond()
    {
        var now = CurrentSecond();
        long total = 0;
        lock (_lock)
        {
            for (var slot = 0; slot < _counts.Length; slot++)
            {
                var second = _secondOfSlot[slot];
                if (second < now && second >= now - WindowSeconds)
                {
                    total += _counts[slot];
                }
            }
        }

        return total / (double)WindowSeconds;
    }

    /// <summary>The <c>Retry-After</c>, in whole seconds, for a request shed behind <paramref name="backlog"/> others.</summary>
    public int Seconds(long backlog)
    {
        var rate = CompletionsPerSecond();
        if (rate <= 0)
        {
            // Nothing finished lately: the cluster is stuck or the gateway has just started; wait long rather than hammer.
            return backlog <= 0 ? minSeconds : maxSeconds;
        }

        var seconds = Math.Ceiling(backlog / rate);
        return (int)Math.Clamp(seconds, minSeconds, maxSeconds);
    }

    // Whole seconds on the provider's clock, counted from 1 so that a zeroed slot never looks current.
    private long CurrentSecond() => (time.GetTimestamp() / time.TimestampFrequency) + 1;
}
