namespace DeviceSync.Gateway.Events;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Closed the event socket of revoked device {DeviceId} of {AccountId}")]
    public static partial void RevokedSocketClosed(ILogger logger, string accountId, string deviceId);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Could not renew the event subscription of {AccountId} ({Failure}); retried at the next renewal")]
    public static partial void RenewFailed(ILogger logger, string accountId, string failure);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "The event subscription of {AccountId} was lost (its events grain moved or its silo went); replayed {Changes} changes and {Revocations} revocations")]
    public static partial void SubscriptionLost(ILogger logger, string accountId, int changes, int revocations);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Renewing {Accounts} event subscriptions ({Reason})")]
    public static partial void Renewing(ILogger logger, int accounts, string reason);

}
