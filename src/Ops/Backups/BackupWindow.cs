namespace DeviceSync.Ops.Backups;

/// <summary>One generation of one backed-up stream: the oldest and newest points a restore can reach.</summary>
public sealed record BackupWindow(string StreamKey, int Generation, DateTimeOffset? OldestAt, DateTimeOffset? NewestAt, long Newest, long Snapshot);
