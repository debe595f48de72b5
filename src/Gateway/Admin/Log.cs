namespace DeviceSync.Gateway.Admin;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Idempotent provisioning of account {AccountId} failed ({ExceptionType}), likely on a silo of an older build; provisioned without a provision id")]
    public static partial void ProvisionOnceFellBack(ILogger logger, string accountId, string exceptionType);
}
