using DeviceSync.Contracts;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Gateway.Cluster;

namespace DeviceSync.Gateway.Blobs;

/// <summary>Calls to an account's blob index grain, with the gateway's retries. Both are safe to resend: a find reads,
/// an add of a blob already recorded changes nothing.</summary>
public sealed class BlobIndex(IClusterClient cluster, GrainCalls calls)
{
    private readonly GrainReferences<IBlobIndexGrain> _grains = new(cluster);

    public Task<BlobRecord?> FindAsync(string accountId, string sha256, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.Find", () => _grains.Get(accountId).FindAsync(sha256), cancellationToken, resendable: true);

    public Task<bool> AddAsync(string accountId, BlobRecord blob, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.Add", () => _grains.Get(accountId).AddAsync(blob), cancellationToken, resendable: true);

    public Task<BlobReferenceReport> FindUnreferencedAsync(string accountId, CancellationToken cancellationToken) =>
        calls.InvokeAsync("Blobs.FindUnreferenced", () => _grains.Get(accountId).FindUnreferencedAsync(), cancellationToken, resendable: true);
}
