using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Storage;

/// <summary>Storage log messages. Stream keys and sequences only, never payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Replica {Replica} failed to {Operation} stream {Stream} at sequence {Sequence}")]
    public static partial void ReplicaWriteFailed(ILogger logger, Exception exception, int replica, string operation, string stream, long sequence);

    /// <summary>A replica that did not answer in time: the reason alone, without the exception's stack. A replica that falls
    /// behind under load times out on hundreds of appends a minute, and 20 lines of SDK frames each made these ~95 % of a
    /// silo's log (docs/benchmarks.md, "The cost of one commit"); the stack says nothing the message does not.</summary>
    [LoggerMessage(EventId = 4024, Level = LogLevel.Warning, Message = "Replica {Replica} failed to {Operation} stream {Stream} at sequence {Sequence}: {Reason}")]
    public static partial void ReplicaWriteTimedOut(ILogger logger, int replica, string operation, string stream, long sequence, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Replica {Replica} failed to read stream {Stream}")]
    public static partial void ReplicaReadFailed(ILogger logger, Exception exception, int replica, string stream);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Append to stream {Stream} at sequence {Sequence} was fenced: another writer owns it")]
    public static partial void AppendFenced(ILogger logger, string stream, long sequence);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Debug, Message = "Stream {Stream} was written as new but exists: it is read instead")]
    public static partial void AssumedNewStreamExists(ILogger logger, string stream);

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

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "Replica {Replica}: its identity marker could not be read or written")]
    public static partial void MarkerReadFailed(ILogger logger, Exception exception, int replica);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Information, Message = "No replica carried an identity marker: initialised the markers of {Answered} replicas ({WithData} hold data; empty ones beside them are unhealed)")]
    public static partial void Bootstrapped(ILogger logger, int withData, int answered);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Information, Message = "Sweep finished: {Streams} streams, {Behind} behind somewhere, {Repaired} repaired, {Failed} failed, healed replicas [{Healed}], in {Elapsed}")]
    public static partial void SweepFinished(ILogger logger, int streams, int behind, int repaired, int failed, string healed, TimeSpan elapsed);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "Sweep could not repair stream {Stream}")]
    public static partial void SweepRepairFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(EventId = 4025, Level = LogLevel.Information, Message = "Sweep ended early after {Elapsed}, {Repaired} streams repaired: a replica it cannot heal lost data since it began; the next sweep starts at once")]
    public static partial void SweepEndedEarly(ILogger logger, TimeSpan elapsed, int repaired);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Warning, Message = "Sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Replica {Replica} healed: it holds every stream a quorum holds and counts toward the quorums again")]
    public static partial void ReplicaHealed(ILogger logger, int replica);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "Replica {Replica} not healed by this sweep: {Why}")]
    public static partial void ReplicaNotHealed(ILogger logger, int replica, string why);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "Journal observer {Observer} failed on stream {Stream}; the journal write itself is unaffected")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string stream);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Warning, Message = "Journal stream {Stream} was opened under history-loss generation {Opened}, and storage is now at {Current}: it refuses writes until its owner reopens it")]
    public static partial void StreamOpenedBeforeHistoryLoss(ILogger logger, string stream, long opened, long current);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Error, Message = "Healing replicas {Replicas} with only {Healthy} healthy replicas left ({Needed} needed to be sure every acknowledged entry survived): acknowledged entries may be lost. History-loss generation raised to {Generation}; every stream starts a new epoch at its next open. Restore from backup.")]
    public static partial void HistoryLossDeclared(ILogger logger, string replicas, int healthy, int needed, long generation);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "The sweep's backup audit failed; the next sweep audits again")]
    public static partial void CopyAuditFailed(ILogger logger, Exception exception);
}
