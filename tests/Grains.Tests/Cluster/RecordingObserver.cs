using System.Collections.Concurrent;
using DeviceSync.Contracts.Events;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>An events observer that records what it hears (the gateway's side, for grain tests).</summary>
internal sealed class RecordingObserver : IAccountEventsObserver
{
    private readonly ConcurrentQueue<(string Account, string Collection, long Version)> _changes = new();

    public ConcurrentBag<(string Account, string DeviceId)> Revoked { get; } = [];

    public long Latest(string account, string collection) =>
        _changes.Where(c => c.Account == account && c.Collection == collection).Select(c => c.Version).DefaultIfEmpty().Max();

    public List<long> Changes(string account, string collection) =>
        [.. _changes.Where(c => c.Account == account && c.Collection == collection).Select(c => c.Version)];

    public Task ChangedAsync(string accountId, string collection, long version)
    {
        _changes.Enqueue((accountId, collection, version));
        return Task.CompletedTask;
    }

    public Task DeviceRevokedAsync(string accountId, string deviceId)
    {
        Revoked.Add((accountId, deviceId));
        return Task.CompletedTask;
    }

    public Task SubscriptionEndedAsync(string accountId) => Task.CompletedTask;
}
