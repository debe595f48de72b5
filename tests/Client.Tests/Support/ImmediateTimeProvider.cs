namespace DeviceSync.Client.Tests.Support;

/// <summary>
/// Time for retry tests without sleeping: timers of at most <see cref="Horizon"/> fire at once (and are recorded as
/// the delays asked for); longer ones (attempt timeouts, 100 s by default) never fire.
/// </summary>
public sealed class ImmediateTimeProvider : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];

    public static TimeSpan Horizon { get; } = TimeSpan.FromSeconds(90);

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_delays)
            {
                return [.. _delays];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan || dueTime > Horizon)
        {
            return new NeverTimer();
        }

        lock (_delays)
        {
            _delays.Add(dueTime);
        }

        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new NeverTimer();
    }

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
