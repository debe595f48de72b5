using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Accounts;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Device {DeviceId} of {AccountId} revoked")]
    public static partial void DeviceRevoked(ILogger logger, string accountId, string deviceId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not flush last-seen times of {AccountId}")]
    public static partial void SeenFlushFailed(ILogger logger, Exception exception, string accountId);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Account {AccountId} merged from backup: recreated {Recreated}, {DevicesAdded} devices and {RevocationsAdded} revocations added")]
    public static partial void AccountRestored(ILogger logger, string accountId, bool recreated, int devicesAdded, int revocationsAdded);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "The backup of account {AccountId} is damaged; nothing restored")]
    public static partial void RestoreDamaged(ILogger logger, Exception exception, string accountId);
}
