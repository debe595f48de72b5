namespace DeviceSync.Gateway.Problems;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Unexpected failure serving {Method} {Path}")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Answered {Status} after {ExceptionType}")]
    public static partial void Answered(ILogger logger, int status, string exceptionType);
}
