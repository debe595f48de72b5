namespace DeviceSync.Client;

/// <summary>How requests are retried on 503, 500, 429, timeouts and connection errors (exponential backoff with jitter).</summary>
public sealed record RetryOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>No new attempt starts once this much time has passed since the first.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest server <c>Retry-After</c> obeyed; a longer one (a misconfigured proxy, a date far ahead) is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one attempt (measured on the client's <see cref="TimeProvider"/>).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);
}
