namespace DeviceSync.Gateway.Blobs;

internal static partial class Log
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Blob replica {Replica} failed to {Step} ({ExceptionType}); going on with the others")]
    public static partial void ReplicaFailed(ILogger logger, int replica, string step, string exceptionType);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Read repair: blob {Sha256} copied to {Repaired} of the {Missing} replicas that lacked it")]
    public static partial void Repaired(ILogger logger, string sha256, int repaired, int missing);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Read repair of blob {Sha256} failed")]
    public static partial void RepairFailed(ILogger logger, Exception exception, string sha256);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Error, Message = "Blob {Sha256} is in an account's index but no replica could serve it")]
    public static partial void Unreadable(ILogger logger, string sha256);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "Blobs are off: Storage:Replicas is not set on the gateway, the blob routes answer 404")]
    public static partial void BlobsOff(ILogger logger);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "Backup copy of blob {Sha256} dropped: the copy queue is full")]
    public static partial void BackupDropped(ILogger logger, string sha256);

    [LoggerMessage(EventId = 7107, Level = LogLevel.Error, Message = "Backup copy of blob {Sha256} failed after retries")]
    public static partial void BackupFailed(ILogger logger, Exception exception, string sha256);

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Blob sweep: {Missing} blobs are missing on some replica; copying them")]
    public static partial void SweepFound(ILogger logger, int missing);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Information, Message = "Blob sweep done: {Copied} copied, {Failed} failed (retried next pass), in {Seconds:F1} s")]
    public static partial void SweepDone(ILogger logger, int copied, int failed, double seconds);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Warning, Message = "Blob sweep pass failed; retried after the interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Warning, Message = "Backup reconcile: {Queued} blobs held by the replicas had no backup copy (a gateway lost its copy queue); copies queued")]
    public static partial void BackupReconciled(ILogger logger, int queued);
}
