namespace DeviceSync.Grains.Backup;

/// <summary>What one prune of one stream generation removed.</summary>
public sealed record BackupPruneResult(string StreamKey, int Generation, int EntriesDeleted, int SnapshotsDeleted);
