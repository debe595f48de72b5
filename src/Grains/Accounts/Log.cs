using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Accounts;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Device {DeviceId} of {AccountId} revoked")]
    public static partial void DeviceRevoked(ILogger logger, string accountId, string deviceId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not flush last-seen times of {AccountId}")]
    public static partial void SeenFlushFailed(ILogger logger, Exception exception, string accountId);
}
