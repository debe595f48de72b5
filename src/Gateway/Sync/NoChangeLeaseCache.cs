using System.Collections.Concurrent;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Sync;

/// <summary>
/// Answers a device's repeated no-change sync without a grain call while the collection's grain says nothing has
/// changed (docs/adr/0014-no-change-leases.md). A lease is per account, collection and device, for one cursor; it ends
/// when its time is up (counted from when the gateway sent the request that earned it) or when the grain revokes the
/// collection's leases, which it does before acknowledging any commit.
/// </summary>
public sealed class NoChangeLeaseCache(IGrainFactory grains, TimeProvider time, IOptions<NoChangeLeaseOptions> options, GatewayMetrics metrics)
    : ISyncLeaseHolder
{
    private readonly ConcurrentDictionary<(string AccountId, string Collection), CollectionLeases> _collections = new();
    private readonly Lock _referenceGate = new();
    private ISyncLeaseHolder? _reference;

    // When the map was last cleared: a grant asked for before then may have lost a revocation with it, so it is dropped.
    private long _clearedAt = long.MinValue;

    public int Count => _collections.Count;

    /// <summary>The moment a request is sent, in the clock leases are counted in.</summary>
    public long Now() => time.GetTimestamp();

    /// <summary>The holder to name in a request that may earn a lease; null for one that cannot (or with leases off).</summary>
    public GrainId? HolderFor(DeviceIdentity device, SyncCollectionPart part)
    {
        if (!options.Value.Enabled || !MayBeLeased(device, part))
        {
            return null;
        }

        lock (_referenceGate)
        {
            try
            {
                // One object reference for the whole gateway; the silos call it back through the client's connections.
                _reference ??= grains.CreateObjectReference<ISyncLeaseHolder>(this);
                return _reference.GetGrainId();
            }
            catch (InvalidOperationException)
            {
                // The client cannot make references yet (not connected): this sync goes without a lease, the next may not.
                return null;
            }
        }
    }

    /// <summary>The grain's answer to this part, if a lease held for it says the answer is "no changes at this cursor".</summary>
    public SyncCollectionResult? TryAnswer(DeviceIdentity device, SyncCollectionPart part)
    {
        if (!options.Value.Enabled || !MayBeLeased(device, part)
            || !_collections.TryGetValue((device.AccountId, part.Name), out var leases)
            || !leases.Holds(device, part.Cursor!.Value, Now()))
        {
            return null;
        }

        metrics.LeaseAnswered();
        return new SyncCollectionResult { Cursor = part.Cursor };
    }

    /// <summary>Keeps the lease the grain granted with <paramref name="result"/>, if it did, for a request sent at <paramref name="sentAt"/>.</summary>
    public void Keep(DeviceIdentity device, SyncCollectionPart part, long sentAt, SyncCollectionResult result)
    {
        if (result.LeaseMilliseconds <= 0 || result.Cursor is not { } cursor || cursor != part.Cursor || !MayBeLeased(device, part))
        {
            return;
        }

        if (_collections.Count >= options.Value.MaxCollections)
        {
            Clear();
            return;
        }

        var expires = sentAt + (long)(result.LeaseMilliseconds / 1000.0 * time.TimestampFrequency);
        var leases = _collections.GetOrAdd((device.AccountId, part.Name), static _ => new CollectionLeases());

        // Read after the entry is in the map: a clear that began before this read removes the entry, or this drops the grant.
        if (sentAt <= Volatile.Read(ref _clearedAt))
        {
            return;
        }

        leases.Grant(device, cursor, sentAt, expires);
    }

    Task ISyncLeaseHolder.RevokeAsync(string accountId, string collection)
    {
        // Kept as an empty entry when nothing is held yet: a grant still on its way from before this revocation is dropped.
        _collections.GetOrAdd((accountId, collection), static _ => new CollectionLeases()).Revoke(Now());
        return Task.CompletedTask;
    }

    private void Clear()
    {
        Volatile.Write(ref _clearedAt, Now());
        _collections.Clear();
    }

    /// <summary>Only a plain poll can be answered from a lease: no mutation, no confirmation, a cursor, and a device the
    /// collection serves normally (a readmitted one must pull from null first; docs/adr/0008-device-readmission.md).</summary>
    private static bool MayBeLeased(DeviceIdentity device, SyncCollectionPart part) =>
        part.Mutations.Count == 0 && !part.ConfirmMassDelete && part.Cursor is not null && !device.Readmitted;

    /// <summary>One collection's leases, by device, and when the grain last revoked them.</summary>
    private sealed class CollectionLeases
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Lease> _devices = new(StringComparer.Ordinal);
        private long _revokedAt = long.MinValue;

        public bool Holds(DeviceIdentity device, long cursor, long now)
        {
            lock (_gate)
            {
                return _devices.TryGetValue(device.DeviceId, out var lease)
                    && lease.Cursor == cursor
                    && lease.HistoryLossGeneration == device.HistoryLossGeneration
                    && now < lease.Expires;
            }
        }

        public void Grant(DeviceIdentity device, long cursor, long sentAt, long expires)
        {
            lock (_gate)
            {
                // A request sent before the last revocation may have been answered before the commit that caused it.
                if (sentAt > _revokedAt)
                {
                    _devices[device.DeviceId] = new Lease(cursor, device.HistoryLossGeneration, expires);
                }
            }
        }

        public void Revoke(long now)
        {
            lock (_gate)
            {
                _revokedAt = Math.Max(_revokedAt, now);
                _devices.Clear();
            }
        }
    }

    private readonly record struct Lease(long Cursor, long HistoryLossGeneration, long Expires);
}
