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

    /// <summary>
    /// The connection handler's line for what ASP.NET Core logs about the route ("Executing endpoint"), at Debug as that
    /// is hidden by default; never with the request target, which may hold the token.
    /// </summary>
    [LoggerMessage(EventId = 7005, Level = LogLevel.Debug, Message = "Served GET /v1/events on the connection: event socket of device {DeviceId} of {AccountId} opened")]
    public static partial void UpgradeServed(ILogger logger, string accountId, string deviceId);

}
