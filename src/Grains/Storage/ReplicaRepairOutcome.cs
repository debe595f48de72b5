namespace DeviceSync.Grains.Storage;

/// <summary>How read repair went on one replica: whether it now holds the whole chosen history, and how much was written.</summary>
internal sealed record ReplicaRepairOutcome(int Replica, bool Complete, int Written);
