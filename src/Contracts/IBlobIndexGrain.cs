using Orleans.CodeGeneration;
using DeviceSync.Contracts.Blobs;

namespace DeviceSync.Contracts;

/// <summary>
/// The blobs one account holds (keyed by account id). The bytes are written to the storage replicas by the gateway;
/// this index is what decides 201 against 200 on upload and 404 on download, so another account's identical bytes
/// never make a blob readable. Journaled in its own stream, apart from the account's, so that a silo of an older build
/// (which does not know blobs) can never rewrite it without them during a rolling upgrade.
/// </summary>
[Alias("DeviceSync.IBlobIndexGrain"), Version(1)]
public interface IBlobIndexGrain : IGrainWithStringKey
{
    /// <summary>The account's record of the blob, or null when this account never uploaded it.</summary>
    [Alias("Find")]
    Task<BlobRecord?> FindAsync(string sha256);

    /// <summary>Records a blob whose bytes are on a write quorum of replicas. True when it is new to the account, false when
    /// the account already had it (the first record is kept). Idempotent, so a resend after a lost answer is safe.</summary>
    [Alias("Add")]
    Task<bool> AddAsync(BlobRecord blob);

    /// <summary>Operators: which of the account's blobs its live items refer to (every collection is read). Changes nothing.</summary>
    [Alias("FindUnreferenced")]
    Task<BlobReferenceReport> FindUnreferencedAsync();
}
