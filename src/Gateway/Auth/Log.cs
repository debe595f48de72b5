namespace DeviceSync.Gateway.Auth;

internal static partial class Log
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Token check of a device of {AccountId} fell back to the hash-only call ({ExceptionType}), likely on a silo of an older build; no re-admission there")]
    public static partial void AuthenticateTokenFellBack(ILogger logger, string accountId, string exceptionType);
}
