namespace DeviceSync.Testing;

/// <summary>Waits on a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it returns true; throws <see cref="TimeoutException"/> after <paramref name="deadline"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan deadline, string? because = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(deadline);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }

                last = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cts.IsCancellationRequested)
            {
                last = ex;
            }

            try
            {
                await Task.Delay(PollInterval, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"Condition not met within {deadline}{(because is null ? string.Empty : ": " + because)}.", last);
            }
        }
    }

    /// <summary>Synchronous-condition overload.</summary>
    public static Task WaitAsync(Func<bool> condition, TimeSpan deadline, string? because = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitAsync(() => Task.FromResult(condition()), deadline, because);
    }
}
