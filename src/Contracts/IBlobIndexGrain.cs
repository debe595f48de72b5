using Orleans.CodeGeneration;
using DeviceSync.Contracts.Blobs;

namespace DeviceSync.Contracts;

/// <summary>
/// The blobs one account holds (keyed by account id). The bytes are written to the storage replicas by the gateway;
/// this index is what decides 201 against 200 on upload and 404 on download, so another account's identical bytes
/// never make a blob readable. Journaled in its own stream, apart from the account's, so that a silo of an older build
/// (which does not know blobs) can never rewrite it without them during a rolling upgrade.
/// </summary>
[Alias("DeviceSync.IBlobIndexGrain"), Version(2)]
public interface IBlobIndexGrain : IGrainWithStringKey
{
    /// <summary>The account's record of the blob, or null when this account never uploaded it.</summary>
    [Alias("Find")]
    Task<BlobRecord?> FindAsync(string sha256);

    /// <summary>Records a blob whose bytes are on a write quorum of replicas. True when it is new to the account, false when
    /// the account already had it (the first record is kept). Idempotent, so a resend after a lost answer is safe.
    /// Version 1's upload path, kept for gateways of that build during a roll: they store bytes under the shared name, which
    /// garbage collection never deletes, so this needs no ticket.</summary>
    [Alias("Add")]
    Task<bool> AddAsync(BlobRecord blob);

    /// <summary>
    /// Called before an upload commits its bytes: the ticket <see cref="RecordUploadAsync"/> must present. It stops a deletion
    /// of this hash's bytes still in progress (the upload's commit may find them), and keeps a scan of this activation from
    /// collecting the hash. Reads only, unless it stops a deletion.
    /// </summary>
    [Alias("BeginUpload")]
    Task<long> BeginUploadAsync(string sha256);

    /// <summary>
    /// Records an upload whose bytes are on a write quorum of replicas, fenced by the ticket from <see cref="BeginUploadAsync"/>:
    /// refused (<see cref="BlobUploadOutcome.CollectedWhileUploading"/>) when the hash was collected after the upload began.
    /// Idempotent, so a resend after a lost answer is safe.
    /// </summary>
    [Alias("RecordUpload")]
    Task<BlobUploadOutcome> RecordUploadAsync(BlobRecord blob, long ticket);

    /// <summary>One garbage-collection pass over the account (ADR 0009): scan references, mark, collect after the grace
    /// period, delete collected bytes on the replicas. The sweeper's silo calls it every <c>Blobs:Gc:ScanInterval</c>;
    /// operators may call it at any time (a pass never collects before the grace period).</summary>
    [Alias("CollectGarbage")]
    Task<BlobCollectionReport> CollectGarbageAsync();

    /// <summary>
    /// Merges the index as the backup held it at <paramref name="to"/> (null: latest) into the live one: records the live
    /// index lacks (lost, or collected since) are added, nothing is removed, as accounts are merged (ADR 0005). The bytes are
    /// the caller's: the gateway copies those no replica holds from the backup container.
    /// </summary>
    [Alias("RestoreFromBackup")]
    Task<BlobIndexRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to);

    /// <summary>Operators: which of the account's blobs its live items refer to (every collection is read). Changes nothing.</summary>
    [Alias("FindUnreferenced")]
    Task<BlobReferenceReport> FindUnreferencedAsync();
}
