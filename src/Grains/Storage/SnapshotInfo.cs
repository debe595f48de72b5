namespace DeviceSync.Grains.Storage;

/// <summary>A snapshot blob's identity: the sequence it covers, the last entry it includes and the chain hash there.</summary>
internal sealed record SnapshotInfo(long Sequence, Guid LastEntryId, byte[] Chain, string BlobName);
