using Orleans.CodeGeneration;

namespace DeviceSync.Contracts.Events;

/// <summary>
/// One account's change events (PROTOCOL.md "Events"): collection grains report commits, the account grain reports
/// revocations, and every gateway holding sockets of the account subscribes once (not per socket) and fans out. Holds
/// nothing in storage: after a silo loss a new activation starts empty and gateways re-subscribe
/// (docs/adr/0006-change-events.md). Keyed by account id.
/// </summary>
[Alias("DeviceSync.IAccountEventsGrain"), Version(1)]
public interface IAccountEventsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or refreshes) a gateway's observer for <paramref name="lifetime"/>; the gateway refreshes well before
    /// it runs out; a gateway whose last socket of the account closed just stops renewing. (No unsubscribe: the
    /// observer is one per gateway, so a late unsubscribe could remove the subscription a new socket just made.) When <paramref name="knownIncarnation"/> names an earlier activation than this one, the gateway's
    /// subscription was lost, so the answer replays what this activation has seen since it started.
    /// </summary>
    [Alias("Subscribe")]
    Task<EventSubscription> SubscribeAsync(IAccountEventsObserver observer, TimeSpan lifetime, Guid? knownIncarnation);

    /// <summary>A collection of the account committed up to <paramref name="version"/>. Sent after the commit, never awaited by it.</summary>
    [Alias("CollectionChanged")]
    Task CollectionChangedAsync(string collection, long version);

    /// <summary>A device of the account was revoked: gateways close its sockets with 4001.</summary>
    [Alias("DeviceRevoked")]
    Task DeviceRevokedAsync(string deviceId);
}
