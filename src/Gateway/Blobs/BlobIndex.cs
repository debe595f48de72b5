using DeviceSync.Contracts;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Gateway.Cluster;

namespace DeviceSync.Gateway.Blobs;

/// <summary>Calls to an account's blob index grain, with the gateway's retries. All are safe to resend: a find reads, a
/// record of a blob already recorded changes nothing, and a garbage-collection pass repeats its rules.</summary>
public sealed class BlobIndex(IClusterClient cluster, GrainCalls calls)
{
    private readonly GrainReferences<IBlobIndexGrain> _grains = new(cluster);

    public Task<BlobRecord?> FindAsync(string accountId, string sha256, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.Find", () => _grains.Get(accountId).FindAsync(sha256), cancellationToken, resendable: true);

    /// <summary>The ticket an upload presents when it records its blob (ADR 0009); resendable: it reads, or stops a deletion.</summary>
    public Task<long> BeginUploadAsync(string accountId, string sha256, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.BeginUpload", () => _grains.Get(accountId).BeginUploadAsync(sha256), cancellationToken, resendable: true);

    public Task<BlobUploadOutcome> RecordUploadAsync(string accountId, BlobRecord blob, long ticket, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.RecordUpload", () => _grains.Get(accountId).RecordUploadAsync(blob, ticket), cancellationToken, resendable: true);

    /// <summary>One garbage-collection pass over the account now (operators); it never collects before the grace period.</summary>
    public Task<BlobCollectionReport> CollectGarbageAsync(string accountId, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.CollectGarbage", () => _grains.Get(accountId).CollectGarbageAsync(), cancellationToken, resendable: true);

    public Task<BlobReferenceReport> FindUnreferencedAsync(string accountId, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.FindUnreferenced", () => _grains.Get(accountId).FindUnreferencedAsync(), cancellationToken, resendable: true);

    public Task<BlobIndexRestoreResult> RestoreFromBackupAsync(string accountId, DateTimeOffset? to, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.RestoreFromBackup", () => _grains.Get(accountId).RestoreFromBackupAsync(to), cancellationToken, resendable: true);
}
