namespace DeviceSync.Grains.Backup;

/// <summary>One backed-up entry without its payload: enough to choose a point in time.</summary>
public sealed record BackupEntryHeader(long Sequence, Guid EntryId, DateTimeOffset CommittedAt);
