namespace DeviceSync.Grains.Storage;

/// <summary>What one replica holds of one stream: its journal rows (in sequence order), snapshot blobs, and whether it
/// holds the genesis row (the fence for entry 1).</summary>
internal sealed record ReplicaView(int Replica, IReadOnlyList<JournalEntry> Entries, IReadOnlyList<SnapshotInfo> Snapshots, bool HasGenesis = true);
