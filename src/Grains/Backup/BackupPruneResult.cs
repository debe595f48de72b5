namespace DeviceSync.Grains.Backup;

/// <summary>What one prune of one stream generation removed (<paramref name="GenerationRemoved"/>: all of it, tail row included).</summary>
public sealed record BackupPruneResult(string StreamKey, int Generation, int EntriesDeleted, int SnapshotsDeleted, bool GenerationRemoved = false);
