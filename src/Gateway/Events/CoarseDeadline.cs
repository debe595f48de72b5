namespace DeviceSync.Gateway.Events;

/// <summary>
/// A token that is cancelled between <c>timeout</c> and <c>timeout</c> + 1 s after it was handed out, shared by every
/// caller within the same second. Lets each new connection bound its first read without a timer and a token source of
/// its own: one per second for the whole gateway, however many connections arrive.
/// </summary>
public sealed class CoarseDeadline(TimeSpan timeout, TimeProvider time)
{
    private static readonly TimeSpan Granularity = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private CancellationTokenSource? _current;
    private long _currentSince;

    public TimeSpan Timeout => timeout;

    public CancellationToken Token
    {
        get
        {
            var now = time.GetTimestamp();
            lock (_gate)
            {
                if (_current is null || time.GetElapsedTime(_currentSince, now) >= Granularity)
                {
                    // The previous source is left to its timer: it cancels the reads still waiting on it, then nothing
                    // references it any more.
                    _current = new CancellationTokenSource(timeout + Granularity, time);
                    _currentSince = now;
                }

                return _current.Token;
            }
        }
    }
}
