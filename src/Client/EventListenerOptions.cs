namespace DeviceSync.Client;

/// <summary>How an <see cref="EventListener"/> reconnects.</summary>
public sealed record EventListenerOptions
{
    /// <summary>First wait after a lost or refused connection; doubled (with jitter) up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connecting (the HTTP upgrade) may take this long before it counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
