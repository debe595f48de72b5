using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Blobs;

internal static partial class Log
{
    [LoggerMessage(EventId = 7201, Level = LogLevel.Information, Message = "Blob GC of {AccountId}: collected {Collected} blobs ({Bytes} bytes); {AwaitingGrace} await their grace period, {PendingDeletes} deletions pending")]
    public static partial void Collected(ILogger logger, string accountId, int collected, long bytes, int awaitingGrace, int pendingDeletes);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "An upload of blob {Sha256} to {AccountId} was refused: the blob was collected while it ran (the device uploads again)")]
    public static partial void UploadCollectedWhileRunning(ILogger logger, string accountId, string sha256);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Warning, Message = "Blob GC pass over {AccountId} failed; retried at the next interval")]
    public static partial void PassFailed(ILogger logger, Exception exception, string accountId);
}
