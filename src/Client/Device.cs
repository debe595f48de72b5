using System.Globalization;
using System.Text;

namespace DeviceSync.Client;

/// <summary>
/// A device's replica of its account's data (protocol sections 1, 6, 7 and 9). <see cref="Put"/> and
/// <see cref="Delete"/> change the local copy at once and queue a mutation with the next id of the device's counter;
/// <see cref="SyncAsync"/> pushes the queue and pulls every collection the device tracks, and handles resyncs.
/// Local data is never dropped because the server does not list it: only a tombstone, or (after
/// <c>cursor-expired</c>) absence from a complete pull of an item synced before the old cursor, deletes it.
/// One <see cref="SyncAsync"/> runs at a time; edits may be made while it runs.
/// </summary>
public sealed class Device : IDisposable
{
    /// <summary>The largest item data the server takes (UTF-8 bytes as sent).</summary>
    public const int MaxDataBytes = 262_144;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly Dictionary<string, FullPull> _fullPulls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MassDeleteHold> _massDeleteHolds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _massDeleteConfirmed = new(StringComparer.Ordinal);
    private readonly DeviceOptions _options;
    private long _requests;
    private long _applied;
    private long _duplicates;
    private long _conflicts;
    private long _changesApplied;
    private long _serverBehind;
    private long _epochChanged;
    private long _cursorExpired;
    private long _restores;
    private long _localDeletesAfterExpiry;
    private long _lostDeletesResent;

    public Device(DeviceConnection connection, IDeviceStore store, DeviceOptions? options = null)
    {
        Connection = connection;
        Store = store;
        _options = options ?? new DeviceOptions();
    }

    public DeviceConnection Connection { get; }

    public IDeviceStore Store { get; }

    public string DeviceId => Connection.Credentials.DeviceId;

    /// <summary>Called when a mutation of this device loses a conflict. Without a handler the server's copy is kept.</summary>
    public Func<SyncConflict, ConflictResolution>? OnConflict { get; set; }

    /// <summary>Raised when a collection's resync starts and when it completes.</summary>
    public event Action<ResyncEvent>? Resync;

    /// <summary>The server held a collection's mutations back (mass-delete guard); see <see cref="MassDeleteHold"/>.</summary>
    public event Action<MassDeleteHold>? MassDeleteHeld;

    /// <summary>Collections whose pending mutations the server's mass-delete guard holds back, awaiting the app's decision.</summary>
    public IReadOnlyList<MassDeleteHold> HeldMassDeletes
    {
        get
        {
            lock (_lock)
            {
                return [.. _massDeleteHolds.Values];
            }
        }
    }

    /// <summary>The digest of what this device holds of a collection (items and tombstones with a server version), to
    /// compare with the server's (<c>GET /v1/digests</c>). Local edits not yet synced keep their last server version.</summary>
    public string Digest(string collection)
    {
        lock (_lock)
        {
            return CollectionDigest.Compute(Store.GetItems(collection).Where(i => i.Version > 0).Select(i => (i.ItemId, i.Version)));
        }
    }

    /// <summary>The user confirmed: the next sync sends the held mutations again, with <c>confirmMassDelete</c>.</summary>
    public void ConfirmMassDelete(string collection)
    {
        lock (_lock)
        {
            if (_massDeleteHolds.Remove(collection))
            {
                _massDeleteConfirmed.Add(collection);
            }
        }
    }

    /// <summary>The user did not mean it: drop the held deletes and pull the items back from the server.</summary>
    public void DiscardHeldDeletes(string collection)
    {
        lock (_lock)
        {
            if (!_massDeleteHolds.Remove(collection))
            {
                return;
            }

            foreach (var p in Store.GetPending(collection).Where(p => p.Op == MutationOp.Delete && !p.HeldBack).ToList())
            {
                Store.RemovePending(collection, p.Id);
            }

            Store.SetCursor(collection, null); // the next pull lists every item again, the undeleted ones included
            Store.Commit();
        }
    }

    public DeviceStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new DeviceStatistics(
                    _requests, _applied, _duplicates, _conflicts, _changesApplied, _serverBehind + _epochChanged + _cursorExpired,
                    _serverBehind, _epochChanged, _cursorExpired, _restores, _localDeletesAfterExpiry, _lostDeletesResent);
            }
        }
    }

    /// <summary>Syncs <paramref name="collection"/> from now on, even before anything is written to it here.</summary>
    public void Track(string collection)
    {
        lock (_lock)
        {
            Store.AddCollection(collection);
            Store.Commit();
        }
    }

    /// <summary>The local copy of an item, tombstones included (null when the device has no record).</summary>
    public StoredItem? Get(string collection, string itemId)
    {
        lock (_lock)
        {
            return Store.GetItem(collection, itemId);
        }
    }

    /// <summary>The collection's live (not deleted) items.</summary>
    public IReadOnlyList<StoredItem> Items(string collection)
    {
        lock (_lock)
        {
            return [.. Store.GetItems(collection).Where(i => !i.Deleted)];
        }
    }

    /// <summary>The collection's unacknowledged mutations.</summary>
    public IReadOnlyList<PendingMutation> Pending(string collection)
    {
        lock (_lock)
        {
            return Store.GetPending(collection);
        }
    }

    /// <summary>Creates or replaces an item locally and queues the put; returns its mutation id.</summary>
    public long Put(string collection, string itemId, string jsonData)
    {
        WireFormat.RequireObject(jsonData);
        if (Encoding.UTF8.GetByteCount(jsonData) > MaxDataBytes)
        {
            throw new ArgumentException($"Item data is over {MaxDataBytes} bytes (the server answers 413).", nameof(jsonData));
        }

        return Edit(collection, itemId, MutationOp.Put, jsonData);
    }

    /// <summary>Deletes an item locally (a tombstone) and queues the delete; returns its mutation id.</summary>
    public long Delete(string collection, string itemId) => Edit(collection, itemId, MutationOp.Delete, null);

    /// <summary>Pushes every pending mutation and pulls every tracked collection until nothing more is waiting.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        await _syncGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var needs = Store.Collections.ToList();
            ResumeInterruptedResyncs(needs);
            for (var round = 0; needs.Count > 0; round++)
            {
                if (round >= _options.MaxRequestsPerSync)
                {
                    throw new InvalidOperationException($"Sync did not settle after {round} requests.");
                }

                var batch = needs.Take(_options.MaxCollectionsPerRequest).ToList();
                var requests = BuildRequests(batch);
                var responses = await Connection.SyncAsync(requests, cancellationToken).ConfigureAwait(false);
                var events = new List<ResyncEvent>();
                lock (_lock)
                {
                    _requests++;
                    foreach (var response in responses)
                    {
                        if (ApplyResponse(response, events))
                        {
                            continue;
                        }

                        needs.Remove(response.Name);
                    }

                    Store.Commit();
                }

                foreach (var e in events)
                {
                    Resync?.Invoke(e);
                }
            }
        }
        finally
        {
            _syncGate.Release();
        }
    }

    public void Dispose() => _syncGate.Dispose();

    /// <summary>
    /// Held-back deletes in the store but no full pull under way (the device restarted during a resync): pull from
    /// null again, so they are resolved against the server's copy (each carries the safe version it was held at).
    /// </summary>
    private void ResumeInterruptedResyncs(List<string> collections)
    {
        lock (_lock)
        {
            foreach (var collection in collections.Where(c => !_fullPulls.ContainsKey(c)))
            {
                var held = Store.GetPending(collection).Where(p => p.HeldBack).ToList();
                if (held.Count > 0)
                {
                    _fullPulls[collection] = new FullPull(ResyncInfo.ServerBehind, held.Min(p => p.Version), null);
                    Store.SetCursor(collection, null);
                }
            }

            Store.Commit();
        }
    }

    private long Edit(string collection, string itemId, MutationOp op, string? data)
    {
        if (!DeviceNames.Collection().IsMatch(collection))
        {
            throw new ArgumentException("Not a collection name: " + collection, nameof(collection));
        }

        if (!DeviceNames.ItemId().IsMatch(itemId))
        {
            throw new ArgumentException("Not an item id: " + itemId, nameof(itemId));
        }

        lock (_lock)
        {
            Store.AddCollection(collection);
            var existing = Store.GetItem(collection, itemId);
            long? baseVersion = existing?.Version ?? 0;
            var earlier = Store.GetPending(collection).LastOrDefault(p => p.ItemId == itemId && !p.HeldBack);
            if (earlier is { Sent: false } && earlier.Op != MutationOp.Restore)
            {
                // Never sent: merge into one mutation (one conditional mutation per item per request, rule 3).
                Store.RemovePending(collection, earlier.Id);
                baseVersion = earlier.BaseVersion;
            }
            else if (earlier is not null)
            {
                // The earlier one may be in flight; this one is rebased when it is answered.
                baseVersion = earlier.Op == MutationOp.Restore ? earlier.Version : earlier.BaseVersion;
            }

            var id = Store.NextMutationId();
            Store.SetPending(collection, new PendingMutation(id, op, itemId, baseVersion, data));
            Store.SetItem(collection, new StoredItem(itemId, existing?.Version ?? 0, op == MutationOp.Delete, data));
            Store.Commit();
            return id;
        }
    }

    private List<SyncCollectionRequest> BuildRequests(List<string> collections)
    {
        lock (_lock)
        {
            var requests = new List<SyncCollectionRequest>(collections.Count);
            var bytes = 0L;
            foreach (var collection in collections)
            {
                // A prefix of the queue (ids must increase) with each item at most once.
                var items = new HashSet<string>(StringComparer.Ordinal);
                var batch = new List<PendingMutation>();
                var held = _massDeleteHolds.ContainsKey(collection);
                foreach (var p in held ? [] : Store.GetPending(collection))
                {
                    if (p.HeldBack)
                    {
                        continue;
                    }

                    var size = Encoding.UTF8.GetByteCount(p.Data ?? "") + 200;
                    if (batch.Count >= _options.MaxMutationsPerCollection || (bytes > 0 && bytes + size > _options.MaxDataBytesPerRequest) ||
                        !items.Add(p.ItemId))
                    {
                        break;
                    }

                    bytes += size;

                    batch.Add(p);
                    if (!p.Sent)
                    {
                        Store.SetPending(collection, p with { Sent = true });
                    }
                }

                requests.Add(new SyncCollectionRequest(
                    collection, Store.GetCursor(collection), [.. batch.Select(p => p.ToWire())], _options.PullLimit, _massDeleteConfirmed.Contains(collection)));
            }

            // Persist the Sent marks before the request leaves.
            Store.Commit();
            return requests;
        }
    }

    /// <summary>Applies one collection's answer; true when the collection needs another request.</summary>
    private bool ApplyResponse(SyncCollectionResponse response, List<ResyncEvent> events)
    {
        var collection = response.Name;
        var pending = Store.GetPending(collection).ToDictionary(p => p.Id);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var changes = new Dictionary<string, SyncItem>(StringComparer.Ordinal);
        foreach (var change in response.Changes)
        {
            changes[change.ItemId] = change;
        }

        // In a server-behind or epoch-changed answer, versions above safeVersion are ones the server lost.
        long? lostAbove = response.Resync is { Reason: ResyncInfo.ServerBehind or ResyncInfo.EpochChanged } r ? r.SafeVersion : null;
        var lostDeletesResentBefore = _lostDeletesResent;
        foreach (var result in response.Results)
        {
            if (pending.TryGetValue(result.Id, out var mine) && ApplyResult(collection, mine, result, changes, lostAbove))
            {
                // The item now carries a version the server has just given out (or its own record): not a lost one.
                answered.Add(mine.ItemId);
            }
        }

        if (response.Refused is { } refused)
        {
            // Nothing was applied; keep the mutations pending but unsent until the app decides (no resend loop).
            _massDeleteHolds[collection] = refused;
            _massDeleteConfirmed.Remove(collection);
            MassDeleteHeld?.Invoke(refused);
        }
        else if (response.Results.Count > 0 && _lostDeletesResent == lostDeletesResentBefore)
        {
            // A confirmation is for one request; but a confirmed delete the server lost that is sent again against a
            // copy handed back meanwhile (ApplyResult) is the same delete, so the user is not asked twice.
            _massDeleteConfirmed.Remove(collection);
        }

        _fullPulls.TryGetValue(collection, out var fullPull);
        if (response.Resync is { } resync)
        {
            StartResync(collection, resync, answered, events);
            return true;
        }

        foreach (var change in response.Changes)
        {
            fullPull?.Listed.Add(change.ItemId);
            ApplyServerItem(collection, change, fullPull);
        }

        Store.SetCursor(collection, response.Cursor);
        if (response.HasMore)
        {
            return true;
        }

        if (fullPull is not null)
        {
            CompleteFullPull(collection, fullPull, events);
        }

        return !_massDeleteHolds.ContainsKey(collection) && Store.GetPending(collection).Any(p => !p.HeldBack);
    }

    /// <returns>True when the item now holds what the server answered (a version it has just given out, or its record).</returns>
    private bool ApplyResult(string collection, PendingMutation mine, MutationResult result, Dictionary<string, SyncItem> changes, long? lostAbove)
    {
        Store.RemovePending(collection, mine.Id);
        var later = Store.GetPending(collection).Where(p => p.ItemId == mine.ItemId).ToList();
        switch (result.Status)
        {
            case MutationStatus.Applied:
                _applied++;
                if (mine.Op == MutationOp.Restore)
                {
                    _restores++;
                }

                if (later.Count == 0)
                {
                    var deleted = mine.Op == MutationOp.Delete;
                    Store.SetItem(collection, new StoredItem(mine.ItemId, result.Version, deleted, deleted ? null : mine.Data));
                }
                else
                {
                    var local = Store.GetItem(collection, mine.ItemId);
                    Store.SetItem(collection, (local ?? new StoredItem(mine.ItemId, 0, false, mine.Data)) with { Version = result.Version });

                    // Later edits were made on top of this one: they are based on the version it just got.
                    foreach (var p in later.Where(p => p.Op != MutationOp.Restore && !p.HeldBack))
                    {
                        Store.SetPending(collection, p with { BaseVersion = result.Version });
                    }
                }

                break;

            case MutationStatus.Duplicate:
                // Already processed (applied or lost a conflict earlier): the item's state comes from the changes.
                // If the changes show the server's copy is this device's own write at that version (the answer to
                // an earlier attempt was lost), later edits of the item were made on top of it: rebase them.
                _duplicates++;
                if (later.Count > 0 && changes.TryGetValue(mine.ItemId, out var own) && own.Version == result.Version && own.ModifiedBy == DeviceId)
                {
                    var local = Store.GetItem(collection, mine.ItemId);
                    Store.SetItem(collection, (local ?? new StoredItem(mine.ItemId, 0, false, mine.Data)) with { Version = result.Version });
                    foreach (var p in later.Where(p => p.Op != MutationOp.Restore && !p.HeldBack))
                    {
                        Store.SetPending(collection, p with { BaseVersion = result.Version });
                    }
                }

                break;

            case MutationStatus.Conflict:
                if (mine.LostDeleteOf is { } deleteOf && result.Current is { Deleted: false } copy && PredatesLostDelete(copy, deleteOf))
                {
                    // A delete the server lost met a copy that another device handed back between this device's pull and
                    // this push (the pull showed no copy, or an even older one): step 4 again, against that copy. Found
                    // by the everything-wiped fault case: the older copy stayed, the acknowledged delete was gone.
                    Store.SetPending(collection, mine with { Id = Store.NextMutationId(), BaseVersion = copy.Version, Sent = false });
                    _lostDeletesResent++;
                    return false;
                }

                _conflicts++;
                var resolution = OnConflict?.Invoke(new SyncConflict(collection, mine, result.Current)) ?? ConflictResolution.KeepServer;
                if (resolution == ConflictResolution.KeepMine)
                {
                    var op = mine.Op == MutationOp.Delete ? MutationOp.Delete : MutationOp.Put;
                    Store.SetPending(collection, new PendingMutation(Store.NextMutationId(), op, mine.ItemId, result.Current?.Version ?? 0, mine.Data));
                    return result.Current is not null;
                }

                if (result.Current is not { } current)
                {
                    return false; // no server record is no proof of a delete: the local copy stays
                }

                if (lostAbove is { } safe && Store.GetItem(collection, mine.ItemId) is { } held && held.Version > safe && current.Version < held.Version)
                {
                    // The edit lost to a record older than the copy this device holds, in an answer saying the server
                    // lost versions above safeVersion: the held copy (this device's own acknowledged write, say) is one
                    // of them. It stays, to be handed back as a restore; the server's record does not overwrite it.
                    return false;
                }

                ApplyServerItem(collection, current, null);
                return true;

            default:
                break;
        }

        return result.Status == MutationStatus.Applied;
    }

    /// <summary>
    /// Step 4's test: versions only grow, so a server copy no newer than the version a lost delete refers to (the
    /// tombstone's, the one the delete was based on, or safeVersion) predates the delete, and the server lost it.
    /// safeVersion alone misses this when the device's epoch has no version left on the server (0) and the copy is from
    /// an older one. A copy another device handed back is as old as the version it was handed back at, not its new one.
    /// </summary>
    private static bool PredatesLostDelete(SyncItem copy, long deleteOf) =>
        (copy.HandedBackVersion ?? copy.Version) <= deleteOf;

    /// <summary>The server's copy wins, unless the item has a pending local change (it resolves on push).</summary>
    private void ApplyServerItem(string collection, SyncItem item, FullPull? fullPull)
    {
        if (Store.GetPending(collection).Any(p => p.ItemId == item.ItemId))
        {
            if (fullPull is not null)
            {
                fullPull.Observed[item.ItemId] = item;
            }

            return;
        }

        if (fullPull is not null && Store.GetItem(collection, item.ItemId) is { } held && held.Version > item.Version)
        {
            fullPull.Regressed[item.ItemId] = item; // the server lost this device's copy: it goes back (FullPull.Regressed)
            return;
        }

        _changesApplied++;
        Store.SetItem(collection, new StoredItem(item.ItemId, item.Version, item.Deleted, item.Deleted ? null : item.Data));
    }

    private void StartResync(string collection, ResyncInfo resync, HashSet<string> answered, List<ResyncEvent> events)
    {
        var oldCursor = Store.GetCursor(collection);
        long? oldVersion = long.TryParse(oldCursor, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        switch (resync.Reason)
        {
            case ResyncInfo.CursorExpired:
                _cursorExpired++;
                break;
            case ResyncInfo.EpochChanged:
                _epochChanged++;
                HandBack(collection, resync.SafeVersion, answered);
                break;
            default:
                // server-behind, and any reason a later server adds: hand back what it may have lost.
                _serverBehind++;
                HandBack(collection, resync.SafeVersion, answered);
                break;
        }

        _fullPulls[collection] = new FullPull(resync.Reason, resync.SafeVersion, oldVersion);
        Store.SetCursor(collection, null);
        events.Add(new ResyncEvent(collection, resync.Reason, resync.SafeVersion, oldCursor, Completed: false));
    }

    /// <summary>
    /// Protocol section 7, server-behind / epoch-changed step 2: restores for what the server lost (local versions
    /// above <paramref name="safe"/>), ordinary puts and deletes for edits based on what it kept, all with fresh ids;
    /// deletes based on lost versions are held back until the full pull shows the server's copy. Items whose
    /// mutations were answered in the resync answer itself carry versions the server has just given out, not lost ones.
    /// </summary>
    private void HandBack(string collection, long safe, HashSet<string> answered)
    {
        var pending = Store.GetPending(collection);
        foreach (var p in pending)
        {
            Store.RemovePending(collection, p.Id);
        }

        var byItem = pending.GroupBy(p => p.ItemId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var restores = new List<PendingMutation>();
        var puts = new List<PendingMutation>();
        var deletes = new List<PendingMutation>();
        var heldBack = new List<PendingMutation>();
        foreach (var item in Store.GetItems(collection))
        {
            byItem.TryGetValue(item.ItemId, out var edits);
            if (answered.Contains(item.ItemId) && edits is null)
            {
                continue;
            }

            if (!item.Deleted && item.Version > safe && !answered.Contains(item.ItemId))
            {
                restores.Add(new PendingMutation(0, MutationOp.Restore, item.ItemId, null, item.Data, item.Version));
                continue;
            }

            if (edits is null)
            {
                if (item.Deleted && item.Version > safe)
                {
                    heldBack.Add(new PendingMutation(0, MutationOp.Delete, item.ItemId, item.Version, null, Version: safe, HeldBack: true));
                }

                continue;
            }

            var first = edits[0];
            var baseVersion = first.Op == MutationOp.Restore ? first.Version : first.BaseVersion;
            if (!item.Deleted)
            {
                puts.Add(new PendingMutation(0, MutationOp.Put, item.ItemId, baseVersion, item.Data));
            }
            else if ((baseVersion ?? 0) <= safe)
            {
                deletes.Add(new PendingMutation(0, MutationOp.Delete, item.ItemId, baseVersion, null));
            }
            else
            {
                heldBack.Add(new PendingMutation(0, MutationOp.Delete, item.ItemId, baseVersion, null, Version: safe, HeldBack: true));
            }
        }

        foreach (var p in restores.Concat(puts).Concat(deletes).Concat(heldBack))
        {
            Store.SetPending(collection, p with { Id = Store.NextMutationId() });
        }
    }

    /// <summary>The last page of a pull from null after a resync: decide what the server's silence means.</summary>
    private void CompleteFullPull(string collection, FullPull pull, List<ResyncEvent> events)
    {
        _fullPulls.Remove(collection);
        var pending = Store.GetPending(collection);
        var withPending = pending.Select(p => p.ItemId).ToHashSet(StringComparer.Ordinal);
        foreach (var item in Store.GetItems(collection))
        {
            if (item.Deleted || pull.Listed.Contains(item.ItemId) || withPending.Contains(item.ItemId))
            {
                continue;
            }

            if (pull.Reason == ResyncInfo.CursorExpired && pull.OldCursor is { } old && item.Version > 0 && item.Version <= old)
            {
                // Synced before the old cursor and gone from a complete pull: its tombstone was purged. Proven deleted.
                _localDeletesAfterExpiry++;
                Store.RemoveItem(collection, item.ItemId);
            }
            else if (item.Version > 0)
            {
                // Not proven deleted: hand it back.
                Store.SetPending(collection, new PendingMutation(Store.NextMutationId(), MutationOp.Restore, item.ItemId, null, item.Data, item.Version));
            }
            else
            {
                Store.SetPending(collection, new PendingMutation(Store.NextMutationId(), MutationOp.Put, item.ItemId, 0, item.Data));
            }
        }

        foreach (var (itemId, server) in pull.Regressed.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (withPending.Contains(itemId) || Store.GetItem(collection, itemId) is not { } held)
            {
                continue;
            }

            // Listed older than the copy held here: hand the copy back (a restore; a delete based on the server's copy, which
            // is a lost delete like those of step 4).
            Store.SetPending(collection, held.Deleted
                ? new PendingMutation(Store.NextMutationId(), MutationOp.Delete, itemId, server.Version, null, LostDeleteOf: held.Version)
                : new PendingMutation(Store.NextMutationId(), MutationOp.Restore, itemId, null, held.Data, held.Version));
        }

        // Step 4: deletes of versions the server lost, now that its copy is known.
        foreach (var held in pending.Where(p => p.HeldBack))
        {
            Store.RemovePending(collection, held.Id);
            var deleteOf = Math.Max(pull.SafeVersion, held.BaseVersion ?? 0);
            if (!pull.Observed.TryGetValue(held.ItemId, out var server))
            {
                Store.SetPending(collection, held with { Id = Store.NextMutationId(), BaseVersion = 0, HeldBack = false, Sent = false, LostDeleteOf = deleteOf });
            }
            else if (PredatesLostDelete(server, deleteOf))
            {
                Store.SetPending(collection, held with { Id = Store.NextMutationId(), BaseVersion = server.Version, HeldBack = false, Sent = false, LostDeleteOf = deleteOf });
            }
            else
            {
                _conflicts++;
                var resolution = OnConflict?.Invoke(new SyncConflict(collection, held, server)) ?? ConflictResolution.KeepServer;
                if (resolution == ConflictResolution.KeepMine)
                {
                    Store.SetPending(collection, held with { Id = Store.NextMutationId(), BaseVersion = server.Version, HeldBack = false, Sent = false });
                }
                else
                {
                    ApplyServerItem(collection, server, null);
                }
            }
        }

        events.Add(new ResyncEvent(collection, pull.Reason, pull.SafeVersion, pull.OldCursor?.ToString(CultureInfo.InvariantCulture), Completed: true));
    }
}
