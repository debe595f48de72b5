using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Backup;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Copy of stream {Stream} to the backup store failed ({Queued} entries queued); retried on the next pass")]
    public static partial void CopyFailed(ILogger logger, Exception exception, string stream, int queued);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Stream {Stream} on the live replicas ends at {LiveSequence}, but its backup (generation {Generation}) holds up to {BackupSequence}: the live history was lost. Its next write starts a new backup generation; restore with ops restore --to a time before the loss")]
    public static partial void LiveShorterThanBackup(ILogger logger, string stream, long liveSequence, long backupSequence, int generation);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Backup of stream {Stream} continues in generation {Generation}; the earlier generations stay restorable")]
    public static partial void Forked(ILogger logger, string stream, int generation);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Silo stopping with {Pending} entries not yet copied to the backup store; the streams' next opens ship them")]
    public static partial void FinalPassIncomplete(ILogger logger, long pending);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Reading the restore drill's verification record failed")]
    public static partial void VerificationReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Backup catch-up: {Behind} of {Checked} streams checked lag their live head in the backup (e.g. {Example}); reading them through their owners so their silos' copiers ship what is missing")]
    public static partial void StreamsBehind(ILogger logger, int behind, int @checked, string example);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning, Message = "Backup catch-up could not have stream {Stream} read through its owner; the next sweep tries again")]
    public static partial void CatchUpFailed(ILogger logger, Exception exception, string stream);
}
