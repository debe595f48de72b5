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

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Device {DeviceId} of {AccountId} readmitted by its tagged token (account recreated as recovered: {AccountRecreated})")]
    public static partial void DeviceReadmitted(ILogger logger, string accountId, string deviceId, bool accountRecreated);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Re-admission of device {DeviceId} of {AccountId} refused: {Reason} ({Unlogged} more refusals of this account since the last such line)")]
    public static partial void ReadmissionRefused(ILogger logger, string accountId, string deviceId, string reason, int unlogged);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Auth:TokenKeys is not set: device tokens are plain random secrets, and devices cannot be readmitted if storage loses every replica and the backup")]
    public static partial void NoTokenKey(ILogger logger);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Auth:Readmission:Enabled is on: devices whose accounts storage lost are readmitted by their tagged tokens ({KeyCount} keys). Turn it off once they are back")]
    public static partial void ReadmissionEnabled(ILogger logger, int keyCount);
}
