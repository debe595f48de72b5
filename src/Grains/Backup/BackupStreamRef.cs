namespace DeviceSync.Grains.Backup;

/// <summary>A stream the backup knows: its current generation, and the oldest one retention has not removed (generations
/// <paramref name="OldestGeneration"/>..<paramref name="Generation"/> may hold data).</summary>
public sealed record BackupStreamRef(string StreamKey, int Generation, int OldestGeneration = 0);
