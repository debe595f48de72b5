namespace DeviceSync.Gateway.Cluster;

/// <summary>The gateway keeps trying to reach the cluster instead of failing to start; <c>/readyz</c> says when it has.</summary>
public sealed class ConnectForeverRetryFilter(ILogger<ConnectForeverRetryFilter> logger) : IClientConnectionRetryFilter
{
    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        Log.ConnectRetry(logger, exception.GetType().Name);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }
}
