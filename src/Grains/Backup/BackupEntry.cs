namespace DeviceSync.Grains.Backup;

/// <summary>One journal entry as the backup holds it: its payload and the time it was committed.</summary>
public sealed record BackupEntry(long Sequence, Guid EntryId, DateTimeOffset CommittedAt, ReadOnlyMemory<byte> Payload);
