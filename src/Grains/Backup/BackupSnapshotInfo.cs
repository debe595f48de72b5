namespace DeviceSync.Grains.Backup;

/// <summary>A backed-up snapshot: the state through <paramref name="Sequence"/>, committed at <paramref name="CommittedAt"/>.</summary>
public sealed record BackupSnapshotInfo(long Sequence, DateTimeOffset CommittedAt, string BlobName);
