namespace DeviceSync.Gateway.Accounts;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Created account {AccountId}")]
    public static partial void AccountCreated(ILogger logger, string accountId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Registered device {DeviceId} of account {AccountId}")]
    public static partial void DeviceRegistered(ILogger logger, string accountId, string deviceId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Revoked device {DeviceId} of account {AccountId}")]
    public static partial void DeviceRevoked(ILogger logger, string accountId, string deviceId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Rejected a password for {AccountId}")]
    public static partial void PasswordRejected(ILogger logger, string accountId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Password set on account {AccountId} (it had none) from device {DeviceId}")]
    public static partial void PasswordSet(ILogger logger, string accountId, string deviceId);
}
