namespace DeviceSync.Gateway.Backups;

internal static partial class Log
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Restore of {AccountId}/{Collection} could not be served now ({ExceptionType}); reported as unavailable, the other collections go on")]
    public static partial void CollectionRestoreUnavailable(ILogger logger, string accountId, string collection, string exceptionType);
}
