using Orleans.CodeGeneration;

namespace DeviceSync.Contracts.Sync;

/// <summary>
/// A gateway that may answer a device's no-change sync itself, for a short lease a collection grain granted
/// (docs/adr/0014-no-change-leases.md). Not one-way, unlike the events observer: the grain awaits the revocation
/// before it acknowledges a commit, so no gateway answers "no changes" once a write has been acknowledged. A gateway
/// that does not answer in time is waited out to the end of its lease instead.
/// </summary>
[Alias("DeviceSync.ISyncLeaseHolder"), Version(1)]
public interface ISyncLeaseHolder : IGrainObserver
{
    /// <summary>Forget every lease of this collection, and any grant of it still on its way.</summary>
    [Alias("Revoke")]
    Task RevokeAsync(string accountId, string collection);
}
