using System.Collections.Concurrent;
using DeviceSync.Contracts.Events;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Events;

/// <summary>
/// The gateway's event sockets by account, and its one observer object for every account's events grain. An account's
/// events come in once (one subscription per account per gateway) and are fanned out here to its sockets.
/// </summary>
public sealed class EventHub : IAccountEventsObserver
{
    private readonly ConcurrentDictionary<string, AccountSockets> _accounts = new(StringComparer.Ordinal);
    private readonly IGrainFactory _grains;
    private readonly GrainCalls _calls;
    private readonly EventsOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<EventHub> _logger;
    private readonly GrainReferences<IAccountEventsGrain> _eventGrains;
    private readonly Lock _observerGate = new();
    private IAccountEventsObserver? _observer;
    private long _openSockets;

    public EventHub(IGrainFactory grains, GrainCalls calls, IOptions<EventsOptions> options, GatewayMetrics metrics, ILogger<EventHub> logger)
    {
        _grains = grains;
        _calls = calls;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _eventGrains = new GrainReferences<IAccountEventsGrain>(grains);
        metrics.ObserveEvents(() => (Volatile.Read(ref _openSockets), _accounts.Count));
    }

    /// <summary>Accounts with at least one socket here: each has one subscription.</summary>
    public ICollection<string> Accounts => _accounts.Keys;

    public TimeSpan SubscriptionLifetime => _options.SubscriptionRefresh * 3;

    /// <summary>Adds a connection (before the upgrade, so a revocation meanwhile is not missed) and makes sure the account is subscribed.</summary>
    public async Task<AccountSockets> JoinAsync(string accountId, EventConnection connection)
    {
        AccountSockets account;
        while (true)
        {
            account = _accounts.GetOrAdd(accountId, static id => new AccountSockets(id));
            if (account.TryAdd(connection))
            {
                break;
            }

            // Retired by the last socket leaving just now: let it go and take a fresh entry.
            _accounts.TryRemove(new KeyValuePair<string, AccountSockets>(accountId, account));
        }

        try
        {
            Task subscribing;
            lock (account)
            {
                // Not the request's token: other sockets of the account may wait on this subscription too.
                subscribing = account.Subscribing ??= RenewAsync(account, "connect", CancellationToken.None);
            }

            await subscribing;
            if (account.Incarnation is null)
            {
                // A first subscription that failed (the cluster could not serve): the next socket tries again.
                lock (account)
                {
                    account.Subscribing = null;
                }

                throw new ClusterUnavailableException("Could not subscribe to the account's events.");
            }

            return account;
        }
        catch
        {
            Leave(account, connection);
            throw;
        }
    }

    /// <summary>A socket was accepted, by <paramref name="path"/> ("connection" or "request", <see cref="EventsConnectionMiddleware"/>).</summary>
    public void Opened(string path)
    {
        Interlocked.Increment(ref _openSockets);
        _metrics.EventUpgraded(path);
    }

    public void Closed() => Interlocked.Decrement(ref _openSockets);

    /// <summary>
    /// Removes a connection; after the last one of an account the subscription is no longer renewed and expires in the
    /// grain by itself (an explicit unsubscribe could arrive after a new socket's subscription and undo it).
    /// </summary>
    public void Leave(AccountSockets account, EventConnection connection)
    {
        if (account.Remove(connection))
        {
            _accounts.TryRemove(new KeyValuePair<string, AccountSockets>(account.AccountId, account));
        }
    }

    /// <summary>
    /// Subscribes or renews the account's subscription. An answer from another activation than the one subscribed
    /// before means the subscription was lost meanwhile: what the new activation has seen is replayed to the sockets.
    /// </summary>
    public async Task RenewAsync(AccountSockets account, string reason, CancellationToken cancellationToken)
    {
        var known = account.Incarnation;
        try
        {
            var answer = await _calls.InvokeAsync(
                "Events.Subscribe",
                () => _eventGrains.Get(account.AccountId).SubscribeAsync(GetObserver(), SubscriptionLifetime, known),
                cancellationToken,
                resendable: true);
            _metrics.EventSubscriptionRenewed(reason);
            account.Incarnation = answer.Incarnation;
            if (known is not null && known != answer.Incarnation)
            {
                _metrics.EventSubscriptionLost();
                Log.SubscriptionLost(_logger, account.AccountId, answer.Changed.Count, answer.RevokedDevices.Count);
                foreach (var deviceId in answer.RevokedDevices)
                {
                    Revoke(account, deviceId);
                }

                foreach (var change in answer.Changed)
                {
                    Publish(account, change.Collection, change.Version);
                }
            }
        }
        catch (Exception ex) when (ex is ClusterUnavailableException or OperationCanceledException || GrainCalls.IsTransient(ex))
        {
            var failure = ex.GetType().Name;
            Log.RenewFailed(_logger, account.AccountId, failure);
        }
    }

    /// <summary>The account's sockets here, or null when it has none.</summary>
    public AccountSockets? Find(string accountId) => _accounts.TryGetValue(accountId, out var account) ? account : null;

    Task IAccountEventsObserver.ChangedAsync(string accountId, string collection, long version)
    {
        if (Find(accountId) is { } account)
        {
            Publish(account, collection, version);
        }

        return Task.CompletedTask;
    }

    Task IAccountEventsObserver.DeviceRevokedAsync(string accountId, string deviceId)
    {
        if (Find(accountId) is { } account)
        {
            Revoke(account, deviceId);
        }

        return Task.CompletedTask;
    }

    Task IAccountEventsObserver.SubscriptionEndedAsync(string accountId)
    {
        if (Find(accountId) is { } account)
        {
            // The grain is deactivating; a call now would reach it only after that. Renew on the pool, not on the
            // observer's turn, and let the new activation (on a live silo) answer with what it has seen.
            _ = Task.Run(() => RenewAsync(account, "ended", CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes the revoked device's sockets on this gateway with 4001 (also called by the gateway that revoked it).</summary>
    public void Revoke(string accountId, string deviceId)
    {
        if (Find(accountId) is { } account)
        {
            Revoke(account, deviceId);
        }
    }

    /// <summary>Closes every socket with 1001 (going away), so devices reconnect to another gateway and sync.</summary>
    public void CloseAll()
    {
        foreach (var account in _accounts.Values)
        {
            var sockets = account.Snapshot();
            account.Enqueue(() => Task.WhenAll(sockets.Select(c => c.CloseAsync(1001, "gateway shutting down", _options.SendTimeout))));
        }
    }

    private void Publish(AccountSockets account, string collection, long version)
    {
        var frame = EventFrames.Changed(collection, version);
        var sockets = account.Snapshot();
        account.Enqueue(async () =>
        {
            var sends = new Task<bool>[sockets.Length];
            for (var i = 0; i < sockets.Length; i++)
            {
                sends[i] = sockets[i].SendAsync(frame, _options.SendTimeout);
            }

            var sent = (await Task.WhenAll(sends)).Count(s => s);
            _metrics.EventFramesSent("changed", sent);
        });
    }

    private void Revoke(AccountSockets account, string deviceId)
    {
        var revoked = account.Snapshot().Where(c => string.Equals(c.DeviceId, deviceId, StringComparison.Ordinal)).ToArray();
        foreach (var connection in revoked)
        {
            connection.MarkRevoked();
        }

        if (revoked.Length == 0)
        {
            return;
        }

        account.Enqueue(async () =>
        {
            await Task.WhenAll(revoked.Select(c => c.CloseAsync(EventFrames.RevokedCloseCode, "device revoked", _options.SendTimeout)));
            _metrics.EventFramesSent("revoked", revoked.Length);
            Log.RevokedSocketClosed(_logger, account.AccountId, deviceId);
        });
    }

    private IAccountEventsObserver GetObserver()
    {
        lock (_observerGate)
        {
            // One object reference for the whole gateway: the client routes every account's events to this instance.
            return _observer ??= _grains.CreateObjectReference<IAccountEventsObserver>(this);
        }
    }
}
