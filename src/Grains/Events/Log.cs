using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Events;

internal static partial class Log
{
    [LoggerMessage(EventId = 6501, Level = LogLevel.Warning, Message = "Change notification for account {AccountId} dropped after {Attempts} attempts ({Failure})")]
    public static partial void NotificationDropped(ILogger logger, string accountId, int attempts, string failure);

    [LoggerMessage(EventId = 6502, Level = LogLevel.Warning, Message = "The change notification queue is full ({Capacity}); notifications are being dropped")]
    public static partial void QueueFull(ILogger logger, int capacity);
}
