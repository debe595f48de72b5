namespace DeviceSync.Grains.Storage;

/// <summary>The snapshot chosen at open and the replicas that hold it.</summary>
internal sealed record ResolvedSnapshot(SnapshotInfo Info, IReadOnlyList<int> Holders);
