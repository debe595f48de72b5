namespace DeviceSync.Gateway.Blobs;

/// <param name="Length">Bytes read from the body.</param>
/// <param name="Acknowledged">Replicas on which the blob is committed.</param>
public sealed record BlobWriteResult(BlobWriteOutcome Outcome, long Length, int Acknowledged);
