using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Collections;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Loaded {AccountId}/{Collection}: {ItemCount} items, {EntryCount} journal entries replayed, head {HeadVersion}")]
    public static partial void Loaded(ILogger logger, string accountId, string collection, int itemCount, int entryCount, long headVersion);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Append to {AccountId}/{Collection} was fenced by another activation; reloading")]
    public static partial void Fenced(ILogger logger, string accountId, string collection);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "ALERT server-behind: a device of {AccountId} holds history of {Collection} beyond what the server has (safe version {SafeVersion}); new epoch started after {Epoch}. Devices will hand their data back")]
    public static partial void ServerBehind(ILogger logger, string accountId, string collection, long safeVersion, long epoch);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "ALERT history loss: storage declared generation {Generation}, so {Collection} of {AccountId} may have lost acknowledged entries; new epoch {Epoch} started, cut at version {Cut}. Devices past it hand their data back")]
    public static partial void HistoryLossEpoch(ILogger logger, string accountId, string collection, long generation, long epoch, long cut);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Mass-delete guard held back a request to {AccountId}/{Collection} ({Reason}): {Deletes} of {LiveItems} live items; the device must confirm")]
    public static partial void MassDeleteHeld(ILogger logger, string accountId, string collection, string reason, int deletes, int liveItems);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "{AccountId}/{Collection} moved here from a silo shutting down but could not load yet; its next request will")]
    public static partial void EagerLoadFailed(ILogger logger, Exception exception, string accountId, string collection);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Collection {AccountId}/{Collection} restored from backup position {Sequence} (generation {Generation}); live head was {PreviousHead}, now epoch {Epoch}")]
    public static partial void Restored(ILogger logger, string accountId, string collection, long sequence, int generation, long previousHead, long epoch);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "The backup of {AccountId}/{Collection} is damaged; nothing restored")]
    public static partial void RestoreDamaged(ILogger logger, Exception exception, string accountId, string collection);
}
