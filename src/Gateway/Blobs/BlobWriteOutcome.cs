namespace DeviceSync.Gateway.Blobs;

/// <summary>How writing a blob's bytes to the replicas ended. Only <see cref="Stored"/> leaves anything readable.</summary>
public enum BlobWriteOutcome
{
    None = 0,

    /// <summary>The hash matched and the blob is committed on at least W replicas.</summary>
    Stored = 1,

    /// <summary>The body's SHA-256 is not the name it was sent under; nothing was committed anywhere.</summary>
    HashMismatch = 2,

    /// <summary>The body passed the size limit; nothing was committed anywhere.</summary>
    TooLarge = 3,

    /// <summary>Fewer than W replicas took it; nothing the device could rely on was kept (a retry is safe).</summary>
    Unavailable = 4,
}
