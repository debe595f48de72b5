using Orleans.CodeGeneration;
using Orleans.Concurrency;

namespace DeviceSync.Contracts.Events;

/// <summary>
/// A gateway's one observer for all the accounts it holds sockets of. One-way: the events grain never waits for a
/// gateway, so a slow or dead gateway cannot hold up the others (a dead one's subscription simply expires).
/// </summary>
[Alias("DeviceSync.IAccountEventsObserver"), Version(1)]
public interface IAccountEventsObserver : IGrainObserver
{
    [OneWay, Alias("Changed")]
    Task ChangedAsync(string accountId, string collection, long version);

    [OneWay, Alias("DeviceRevoked")]
    Task DeviceRevokedAsync(string accountId, string deviceId);

    /// <summary>The events grain is deactivating (its silo shuts down, or it moves): subscribe again at once.</summary>
    [OneWay, Alias("SubscriptionEnded")]
    Task SubscriptionEndedAsync(string accountId);
}
