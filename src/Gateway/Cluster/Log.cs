namespace DeviceSync.Gateway.Cluster;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Retrying {Operation} (attempt {Attempt}) after {ExceptionType}")]
    public static partial void RetryingGrainCall(ILogger logger, string operation, int attempt, string exceptionType);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Gave up on {Operation} after {Attempt} attempts; last failure {ExceptionType}")]
    public static partial void RetryBudgetExhausted(ILogger logger, string operation, int attempt, string exceptionType);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Could not connect to the cluster ({ExceptionType}); retrying")]
    public static partial void ConnectRetry(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "A silo was lost ({Reason}); resendable grain calls in flight are resent")]
    public static partial void SiloLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Stopped watching the cluster manifest for departed silos")]
    public static partial void ManifestWatchFailed(ILogger logger, Exception exception);
}
