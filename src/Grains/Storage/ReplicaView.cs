namespace DeviceSync.Grains.Storage;

/// <summary>What one replica holds of one stream: its journal rows (in sequence order) and snapshot blobs.</summary>
internal sealed record ReplicaView(int Replica, IReadOnlyList<JournalEntry> Entries, IReadOnlyList<SnapshotInfo> Snapshots);
