using DeviceSync.Contracts.Events;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Events;

/// <summary>
/// One account's change events: a list of subscribed gateways (one observer each, with an expiry the gateway keeps
/// pushing forward) and, per collection, the latest version seen and when an event last went out (the coalescing).
/// Nothing is persisted: a new activation starts empty, and a gateway whose subscription was lost learns it from the
/// changed incarnation and gets what this activation has seen replayed (docs/adr/0006-change-events.md).
/// Every method runs without awaiting anything, so the grain is never a queue behind storage or a gateway.
/// </summary>
public sealed class AccountEventsGrain(IOptions<AccountEventsOptions> options, TimeProvider time) : Grain, IAccountEventsGrain
{
    /// <summary>Revocations remembered for replay; more in one activation's life is not plausible for one account.</summary>
    private const int MaxRememberedRevocations = 1000;

    private readonly Guid _incarnation = Guid.NewGuid();
    private readonly Dictionary<IAccountEventsObserver, DateTimeOffset> _subscribers = [];
    private readonly Dictionary<string, CollectionState> _collections = new(StringComparer.Ordinal);
    private readonly List<string> _revoked = [];
    private string _accountId = "";
    private IGrainTimer? _flushTimer;
    private bool _flushArmed;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _accountId = this.GetPrimaryKeyString();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A silo shutting down (a roll), the rebalancer moving it, or idle collection: tell the gateways to subscribe
        // again now rather than at their next refresh. The next activation replays what it sees meanwhile.
        foreach (var observer in LiveSubscribers())
        {
            _ = observer.SubscriptionEndedAsync(_accountId);
        }

        return Task.CompletedTask;
    }

    public Task<EventSubscription> SubscribeAsync(IAccountEventsObserver observer, TimeSpan lifetime, Guid? knownIncarnation)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var bounded = TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
        _subscribers[observer] = time.GetUtcNow() + bounded;

        // Stay in memory while anyone is subscribed; the refreshes push this forward.
        DelayDeactivation(bounded);
        if (knownIncarnation is not { } known || known == _incarnation)
        {
            return Task.FromResult(new EventSubscription { Incarnation = _incarnation });
        }

        return Task.FromResult(new EventSubscription
        {
            Incarnation = _incarnation,
            Changed = [.. _collections.Select(c => new CollectionVersion { Collection = c.Key, Version = c.Value.Latest })],
            RevokedDevices = [.. _revoked],
        });
    }

    public Task CollectionChangedAsync(string collection, long version)
    {
        if (!_collections.TryGetValue(collection, out var state))
        {
            state = new CollectionState();
            _collections[collection] = state;
        }

        if (version <= state.Latest)
        {
            return Task.CompletedTask; // a late or retried notification of what was already announced
        }

        state.Latest = version;
        var now = time.GetUtcNow();
        var interval = options.Value.CoalesceInterval;
        if (now - state.LastSentAt >= interval)
        {
            Publish(collection, state, now);
        }
        else
        {
            ArmFlush(state.LastSentAt + interval - now);
        }

        return Task.CompletedTask;
    }

    public Task DeviceRevokedAsync(string deviceId)
    {
        if (!_revoked.Contains(deviceId, StringComparer.Ordinal))
        {
            if (_revoked.Count >= MaxRememberedRevocations)
            {
                _revoked.RemoveAt(0);
            }

            _revoked.Add(deviceId);
        }

        foreach (var observer in LiveSubscribers())
        {
            _ = observer.DeviceRevokedAsync(_accountId, deviceId);
            EventsTelemetry.EventsPublished.Add(1, new KeyValuePair<string, object?>("type", "revoked"));
        }

        return Task.CompletedTask;
    }

    private void Publish(string collection, CollectionState state, DateTimeOffset now)
    {
        state.LastSentAt = now;
        state.Sent = state.Latest;
        foreach (var observer in LiveSubscribers())
        {
            // One-way: returns at once; a gateway that is gone simply never hears it, and its subscription expires.
            _ = observer.ChangedAsync(_accountId, collection, state.Latest);
            EventsTelemetry.EventsPublished.Add(1, new KeyValuePair<string, object?>("type", "changed"));
        }
    }

    private void ArmFlush(TimeSpan due)
    {
        if (_flushArmed)
        {
            return;
        }

        _flushArmed = true;
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due;
        if (_flushTimer is null)
        {
            _flushTimer = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
        }
        else
        {
            _flushTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Sends what was held back by the coalescing; re-arms for collections whose interval has not passed yet.</summary>
    private Task FlushAsync(CancellationToken cancellationToken)
    {
        _flushArmed = false;
        var now = time.GetUtcNow();
        var interval = options.Value.CoalesceInterval;
        TimeSpan? next = null;
        foreach (var (collection, state) in _collections)
        {
            if (state.Latest <= state.Sent)
            {
                continue;
            }

            var wait = state.LastSentAt + interval - now;
            if (wait <= TimeSpan.Zero)
            {
                Publish(collection, state, now);
            }
            else if (next is null || wait < next)
            {
                next = wait;
            }
        }

        if (next is { } due)
        {
            ArmFlush(due);
        }

        return Task.CompletedTask;
    }

    /// <summary>Subscribers whose lifetime has not run out; expired ones (a gateway that stopped refreshing) are dropped.</summary>
    private List<IAccountEventsObserver> LiveSubscribers()
    {
        var now = time.GetUtcNow();
        var live = new List<IAccountEventsObserver>(_subscribers.Count);
        List<IAccountEventsObserver>? expired = null;
        foreach (var (observer, expiresAt) in _subscribers)
        {
            if (expiresAt > now)
            {
                live.Add(observer);
            }
            else
            {
                (expired ??= []).Add(observer);
            }
        }

        foreach (var observer in expired ?? [])
        {
            _subscribers.Remove(observer);
        }

        return live;
    }

    private sealed class CollectionState
    {
        public long Latest { get; set; }

        public long Sent { get; set; }

        public DateTimeOffset LastSentAt { get; set; } = DateTimeOffset.MinValue;
    }
}
