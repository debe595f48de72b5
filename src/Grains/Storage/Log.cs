using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Storage;

/// <summary>Storage log messages. Stream keys and sequences only, never payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Replica {Replica} failed to {Operation} stream {Stream} at sequence {Sequence}")]
    public static partial void ReplicaWriteFailed(ILogger logger, Exception exception, int replica, string operation, string stream, long sequence);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Replica {Replica} failed to read stream {Stream}")]
    public static partial void ReplicaReadFailed(ILogger logger, Exception exception, int replica, string stream);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Append to stream {Stream} at sequence {Sequence} was fenced: another writer owns it")]
    public static partial void AppendFenced(ILogger logger, string stream, long sequence);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Append to stream {Stream} at sequence {Sequence} reached {Acknowledged} of {Quorum} replicas; stream faulted")]
    public static partial void AppendUnavailable(ILogger logger, string stream, long sequence, int acknowledged, int quorum);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Open of stream {Stream}: {Answered} replicas answered, {Quorum} needed")]
    public static partial void OpenUnavailable(ILogger logger, string stream, int answered, int quorum);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Repaired replica {Replica} for stream {Stream}: {Entries} entries, {Snapshots} snapshot, {Removed} stray rows removed")]
    public static partial void Repaired(ILogger logger, int replica, string stream, int entries, int snapshots, int removed);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Repair of replica {Replica} for stream {Stream} failed")]
    public static partial void RepairFailed(ILogger logger, Exception exception, int replica, string stream);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Stream {Stream}: entry {Sequence} does not continue the chain of the entry chosen before it")]
    public static partial void ChainBreak(ILogger logger, string stream, long sequence);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Stream {Stream}: history ends at {LastSequence}; rows from {IgnoredSequence} on follow a gap and are ignored")]
    public static partial void GapIgnored(ILogger logger, string stream, long lastSequence, long ignoredSequence);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Compaction of stream {Stream} through {Sequence} on replica {Replica} failed")]
    public static partial void CompactionFailed(ILogger logger, Exception exception, int replica, string stream, long sequence);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Snapshot of stream {Stream} at sequence {Sequence} reached {Acknowledged} of {Quorum} replicas")]
    public static partial void SnapshotUnavailable(ILogger logger, string stream, long sequence, int acknowledged, int quorum);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Clean-up of fenced entry {Sequence} of stream {Stream} on replica {Replica} failed")]
    public static partial void FencedCleanupFailed(ILogger logger, Exception exception, int replica, string stream, long sequence);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Replica {Replica} could not serve blob of stream {Stream} at sequence {Sequence}")]
    public static partial void BlobReadFailed(ILogger logger, Exception? exception, int replica, string stream, long sequence);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Debug, Message = "Replica {Replica} lags behind stream {Stream}: entry {Sequence} not written there until read repair")]
    public static partial void ReplicaLagging(ILogger logger, int replica, string stream, long sequence);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "Journal observer {Observer} failed on stream {Stream}; the journal write itself is unaffected")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string stream);
}
