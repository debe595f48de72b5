namespace DeviceSync.Grains.Backup;

/// <summary>A stream the backup knows and its current generation.</summary>
public sealed record BackupStreamRef(string StreamKey, int Generation);
