using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Journaling;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Snapshot of {StreamKey} through {Sequence} failed; the journal still holds every entry")]
    public static partial void SnapshotFailed(ILogger logger, Exception exception, string streamKey, long sequence);
}
