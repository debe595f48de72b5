namespace DeviceSync.Gateway.Cluster;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Retrying {Operation} (attempt {Attempt}) after {ExceptionType}")]
    public static partial void RetryingGrainCall(ILogger logger, string operation, int attempt, string exceptionType);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Gave up on {Operation} after {Attempt} attempts; last failure {ExceptionType}")]
    public static partial void RetryBudgetExhausted(ILogger logger, string operation, int attempt, string exceptionType);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Could not connect to the cluster ({ExceptionType}); retrying")]
    public static partial void ConnectRetry(ILogger logger, string exceptionType);
}
