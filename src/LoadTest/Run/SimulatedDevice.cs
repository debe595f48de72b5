using System.Diagnostics;
using System.Globalization;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// One device, simulated over real HTTP: its local store (items with versions), its cursor, its mutation
/// counter and its pending mutations. One operation is one sync carrying every pending mutation plus the new
/// one, then the further pages; after a 503, 429 or a lost answer the same request is resent (same ids) until
/// the retry budget runs out. Only one operation runs on a device at a time (the driver sees to that).
/// </summary>
public sealed class SimulatedDevice(int index, Device device, AccountLedger ledger, int seed)
{
    private const int PageLimit = 500;
    private const int MaxRoundsPerOperation = 200;
    private const string CursorExpired = "cursor-expired";
    private const string ServerBehind = "server-behind";
    private const string EpochChanged = "epoch-changed";
    private readonly Dictionary<string, LocalItem> _items = new(StringComparer.Ordinal);
    private readonly List<PendingMutation> _pending = [];
    private readonly Random _random = new(seed);
    private readonly List<string> _editable = [];
    private string? _cursor;
    private ResyncPull? _resyncPull;
    private long _lastMutationId;
    private long _createdItems;

    public int Index => index;

    public Device Device => device;

    public AccountLedger Ledger => ledger;

    public Random Random => _random;

    public int PendingCount => _pending.Count;

    public IReadOnlyCollection<PendingMutation> Pending => _pending;

    /// <summary>
    /// Runs one operation of <paramref name="kind"/>; false when its request ultimately failed (the mutations stay pending).
    /// A <c>resync</c> answer is handled inside the operation, as the protocol says (docs/protocol.md section 7): the
    /// device hands back what the server lost, pulls from <c>cursor: null</c>, then settles the deletes it held back.
    /// </summary>
    public async Task<bool> RunAsync(OperationKind kind, RunContext context, TimeSpan retryBudget, CancellationToken ct)
    {
        var effective = AddMutation(kind, context.Options);
        long acknowledged = 0, conflicts = 0, duplicates = 0;
        var confirmDeletes = false;
        for (var round = 1; ; round++)
        {
            if (round > MaxRoundsPerOperation)
            {
                context.Violations.Add("endless-sync", $"{device.AccountId} device {device.DeviceId}: still syncing after {MaxRoundsPerOperation} requests of one operation");
                context.Metrics.RecordFailure();
                return false;
            }

            var sent = _pending.ToList();
            var request = new SyncRequest([new CollectionSync
            {
                Name = RunContext.Collection,
                Cursor = _cursor,
                Limit = PageLimit,
                Mutations = sent.Count == 0 ? null : [.. sent.Select(p => p.Mutation)],
                ConfirmMassDelete = confirmDeletes ? true : null,
            }]);
            var call = await SendWithRetriesAsync(request, context, retryBudget, ct);
            if (call is null)
            {
                context.Metrics.RecordFailure();
                return false;
            }

            var result = call.Body!.Collections.SingleOrDefault(c => c.Name == RunContext.Collection);
            if (result is null)
            {
                context.Violations.Add("collection-missing", $"{device.AccountId}: the response has no '{RunContext.Collection}'");
                context.Metrics.RecordFailure();
                return false;
            }

            if (result.Refused is { } refused && result.Resync is null)
            {
                // The mass-delete guard held every mutation (none applied, ids not consumed). The deletes are the
                // simulated user's own, so the user confirms (Device.ConfirmMassDelete in the device library) and the
                // same mutations go again. A confirmed request refused again is a server bug.
                if (confirmDeletes)
                {
                    context.Violations.Add("refused-after-confirm", $"{device.AccountId}: {refused.Reason} refused a confirmed request");
                    context.Metrics.RecordFailure();
                    return false;
                }

                context.Metrics.RecordHandBack("mass-delete-confirmed");
                confirmDeletes = true;
                continue;
            }

            confirmDeletes = false;

            // Refused together with a resync: nothing was applied and the mutations stay pending for the hand-back.
            var counts = ApplyResults(result.Refused is null ? sent : [], result, context);
            acknowledged += counts.Applied;
            conflicts += counts.Conflicts;
            duplicates += counts.Duplicates;
            if (result.Resync is { } resync)
            {
                StartResync(resync, counts.Answered, context);
                continue;
            }

            ApplyChanges(result.Changes, counts.Duplicated);
            _cursor = result.Cursor ?? _cursor;
            if (result.HasMore)
            {
                continue;
            }

            if (_resyncPull is { } pull)
            {
                _resyncPull = null;
                if (CompleteResync(pull, context))
                {
                    continue;
                }
            }

            if (_pending.Any(p => p.LostDeleteOf is not null))
            {
                continue; // a lost delete sent again after a conflict (ApplyResults): settled within this operation
            }

            break;
        }

        context.Metrics.RecordOperation(effective, acknowledged, conflicts, duplicates);
        return true;
    }

    /// <summary>The local store: per item, the server state this device last learned (a tombstone for a delete).</summary>
    internal IReadOnlyDictionary<string, LocalItem> Items => _items;

    /// <summary>The cursor of the next request (null: pull from the beginning).</summary>
    internal string? Cursor => _cursor;

    /// <summary>Puts an item into the local store as if pulled (unit tests of the hand-back).</summary>
    internal void Hold(string itemId, LocalItem item, string? cursor)
    {
        Store(itemId, item);
        _cursor = cursor;
    }

    /// <summary>
    /// A <c>resync</c> answer (its results already applied; <paramref name="answered"/> are the items whose mutation it
    /// answered with a version the server has just given out or its current record). For <c>server-behind</c> and
    /// <c>epoch-changed</c>, builds the hand-back round of docs/protocol.md section 7 step 2 with fresh ids: a
    /// <c>restore</c> of every live local item above <c>safeVersion</c> (carrying a pending edit of it), pending puts and
    /// deletes based at or below it as they are; deletes of versions above it (local tombstones, pending deletes) are held
    /// until the pull shows the server's copy. For <c>cursor-expired</c>, only the pull from null. Either way the next
    /// request has <c>cursor: null</c>.
    /// </summary>
    internal void StartResync(ResyncInfo resync, IReadOnlySet<string> answered, RunContext context)
    {
        context.Metrics.RecordResync(resync.Reason);
        if (!context.Options.ExpectDataLoss)
        {
            // The cluster should never be behind a device when the run injected no data loss; the data still goes back.
            context.Violations.Add("unexpected-resync", $"{device.AccountId} device {device.DeviceId}: {resync.Reason} (safe {resync.SafeVersion})");
        }

        long? oldCursor = long.TryParse(_cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : null;
        _cursor = null;
        var pull = new ResyncPull(resync.Reason, resync.SafeVersion, oldCursor);
        _resyncPull = pull;
        if (resync.Reason == CursorExpired)
        {
            return;
        }

        // What this device holds at the loss, for the checker's "unrecoverable: no device held it".
        ledger.NoteResync();
        foreach (var (itemId, local) in _items)
        {
            ledger.NoteHeldAtResync(itemId, HeldTag(local));
        }

        foreach (var p in _pending)
        {
            ledger.NoteHeldAtResync(p.Mutation.ItemId, p.IsDelete ? AccountLedger.DeleteTag(p.Tag) : p.Tag);
        }

        var safe = resync.SafeVersion;
        var pending = _pending.ToDictionary(p => p.Mutation.ItemId, StringComparer.Ordinal); // at most one per item
        _pending.Clear();
        var restores = new List<PendingMutation>();
        var others = new List<PendingMutation>();
        foreach (var itemId in _items.Keys.Union(pending.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            _items.TryGetValue(itemId, out var local);
            pending.TryGetValue(itemId, out var edit);
            if (answered.Contains(itemId) && edit is null)
            {
                continue;
            }

            var lost = local is not null && local.Version > safe && !answered.Contains(itemId);
            if (edit is null)
            {
                if (lost && !local!.Deleted && local.Data is { } data)
                {
                    restores.Add(Restore(itemId, local.Version, data, data.Tag));
                }
                else if (lost)
                {
                    pull.HeldDeletes[itemId] = local!.Version;
                }

                continue;
            }

            var basedOnLost = (edit.IsRestore ? edit.Mutation.Version : edit.Mutation.BaseVersion) > safe || lost;
            if (edit.IsDelete)
            {
                if (basedOnLost)
                {
                    pull.HeldDeletes[itemId] = Math.Max(edit.Mutation.BaseVersion ?? 0, local?.Version ?? 0);
                }
                else
                {
                    others.Add(edit);
                }
            }
            else if (edit.IsRestore || basedOnLost)
            {
                // An edit of a version the server lost: the restore carries it (it was based on that version).
                var version = edit.IsRestore ? edit.Mutation.Version!.Value : Math.Max(edit.Mutation.BaseVersion ?? 0, local?.Version ?? 0);
                restores.Add(Restore(itemId, version, edit.Data!, edit.Tag));
            }
            else
            {
                others.Add(edit);
            }
        }

        foreach (var p in restores.Concat(others))
        {
            pull.HandedBack.Add(p.Mutation.ItemId);
            _pending.Add(p with { Mutation = p.Mutation with { Id = ++_lastMutationId } });
        }
    }

    /// <summary>
    /// The pull from null after a resync is complete (docs/protocol.md section 7 step 4): held deletes go out against
    /// the server's copy (absent: <c>baseVersion</c> 0; kept at or below <c>safeVersion</c>: that version; changed after
    /// the loss: the server's item wins), and live local items the server did not list are handed back (absence is no
    /// proof of a delete). After <c>cursor-expired</c>, unlisted items synced at or before the old cursor were deleted
    /// (their tombstones purged) and go locally. True when there is something to send.
    /// </summary>
    internal bool CompleteResync(ResyncPull pull, RunContext context)
    {
        foreach (var (itemId, deleteOf) in pull.HeldDeletes.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (IsPending(itemId))
            {
                continue;
            }

            pull.Listed.TryGetValue(itemId, out var server);
            if (server is { Deleted: true })
            {
                continue;
            }

            var refersTo = Math.Max(pull.SafeVersion, deleteOf);
            if (server is null || PredatesLostDelete(server, refersTo))
            {
                ResendLostDelete(itemId, server?.Version ?? 0, refersTo);
                context.Metrics.RecordHandBack("held-delete-resent");
            }
            else
            {
                Store(itemId, new LocalItem(server.Version, server.Deleted, server.Data));
                context.Metrics.RecordHandBack("held-delete-superseded");
            }
        }

        foreach (var (itemId, local) in _items.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            if (IsPending(itemId))
            {
                continue;
            }

            if (pull.Listed.TryGetValue(itemId, out var listed) && listed.Version < local.Version)
            {
                // Listed older than the copy held here (ApplyChanges kept it): versions only grow, so the server lost
                // it. A cut that landed after the resync answer is not announced to a pull from null (found by the
                // two-replicas-wiped fault case: a restore between a device's server-behind answer and its pull).
                if (local.Deleted || local.Data is null)
                {
                    ResendLostDelete(itemId, listed.Version, local.Version);
                }
                else
                {
                    var handBack = Restore(itemId, local.Version, local.Data, local.Data.Tag);
                    _pending.Add(handBack with { Mutation = handBack.Mutation with { Id = ++_lastMutationId } });
                }

                context.Metrics.RecordHandBack("restore-regressed");
                continue;
            }

            if (local.Deleted || local.Data is null || pull.Listed.ContainsKey(itemId))
            {
                continue;
            }

            if (pull.Reason == CursorExpired && pull.OldCursor is { } old && local.Version <= old)
            {
                // Synced before the old cursor and absent from a complete pull: its tombstone was purged. Proven deleted.
                _items.Remove(itemId);
                context.Metrics.RecordHandBack("expired-delete-applied");
                continue;
            }

            var restore = Restore(itemId, local.Version, local.Data, local.Data.Tag);
            _pending.Add(restore with { Mutation = restore.Mutation with { Id = ++_lastMutationId } });
            context.Metrics.RecordHandBack("restore-unlisted");
        }

        return _pending.Count > 0;
    }

    /// <summary>
    /// Step 4's test: versions only grow, so a server copy no newer than the version a lost delete refers to predates the
    /// delete (comparing with safeVersion alone misses this when the device's epoch has no version left on the server,
    /// safeVersion 0, and the copy is from an older epoch: found by the two-replicas-wiped case). A copy another device
    /// handed back is as old as the version it was handed back at, not its new version (found by the everything-wiped
    /// case: an older copy handed back first replaced an acknowledged delete).
    /// </summary>
    private static bool PredatesLostDelete(ItemState copy, long refersTo) => (copy.HandedBackVersion ?? copy.Version) <= refersTo;

    private void ResendLostDelete(string itemId, long baseVersion, long refersTo)
    {
        var id = ++_lastMutationId;
        _pending.Add(new PendingMutation(new Mutation { Id = id, Op = "delete", ItemId = itemId, BaseVersion = baseVersion }, TagOf(id), refersTo));
    }

    /// <summary>How <see cref="AccountLedger.NoteHeldAtResync"/> names a local item: its data's tag, or its tombstone's version.</summary>
    internal static string HeldTag(LocalItem local) => local.Deleted || local.Data is null
        ? AccountLedger.TombstoneTag(local.Version)
        : local.Data.Tag;

    private static PendingMutation Restore(string itemId, long version, TaggedItemData data, string tag) =>
        new(new Mutation { Id = 0, Op = "restore", ItemId = itemId, Version = version, Data = data }, tag);

    /// <summary>Gives up on whatever is still pending (end of the run): those writes may or may not have been applied.</summary>
    public void AbandonPending()
    {
        foreach (var p in _pending)
        {
            ledger.MarkInDoubt(p.Mutation.ItemId, p.IsDelete ? AccountLedger.DeleteTag(p.Tag) : p.Tag);
        }

        _pending.Clear();
    }

    private OperationKind AddMutation(OperationKind kind, RunOptions options)
    {
        switch (kind)
        {
            case OperationKind.NoChange:
                return kind;
            case OperationKind.Conflict:
                {
                    var itemId = string.Create(CultureInfo.InvariantCulture, $"shared-{_random.Next(options.SharedItemsPerAccount)}");
                    if (IsPending(itemId))
                    {
                        return OperationKind.NoChange;
                    }

                    var baseVersion = _items.TryGetValue(itemId, out var local) ? local.Version : 0;
                    AddPut(itemId, baseVersion, options);
                    return kind;
                }

            case OperationKind.Edit or OperationKind.Delete:
                {
                    var target = PickEditable();
                    if (target is null)
                    {
                        AddPut(NewItemId(), 0, options);
                        return OperationKind.Put;
                    }

                    var baseVersion = _items[target].Version;
                    if (kind == OperationKind.Edit)
                    {
                        AddPut(target, baseVersion, options);
                    }
                    else
                    {
                        var id = ++_lastMutationId;
                        _pending.Add(new PendingMutation(new Mutation { Id = id, Op = "delete", ItemId = target, BaseVersion = baseVersion }, TagOf(id)));
                    }

                    return kind;
                }

            default:
                AddPut(NewItemId(), 0, options);
                return OperationKind.Put;
        }
    }

    private void AddPut(string itemId, long baseVersion, RunOptions options)
    {
        var id = ++_lastMutationId;
        var tag = TagOf(id);
        var data = new TaggedItemData($"{itemId} by device {index}", tag, Filler(options.ItemBytes));
        _pending.Add(new PendingMutation(new Mutation { Id = id, Op = "put", ItemId = itemId, BaseVersion = baseVersion, Data = data }, tag));
    }

    private string NewItemId() => string.Create(CultureInfo.InvariantCulture, $"d{index}-{++_createdItems}");

    private string TagOf(long mutationId) => string.Create(CultureInfo.InvariantCulture, $"d{index}-m{mutationId}");

    private bool IsPending(string itemId) => _pending.Exists(p => p.Mutation.ItemId == itemId);

    /// <summary>A random live item this device holds and has no pending mutation for (one conditional mutation per item per request).</summary>
    private string? PickEditable()
    {
        for (var attempt = 0; attempt < 4 && _editable.Count > 0; attempt++)
        {
            var slot = _random.Next(_editable.Count);
            var itemId = _editable[slot];
            if (!_items.TryGetValue(itemId, out var item) || item.Deleted)
            {
                _editable[slot] = _editable[^1];
                _editable.RemoveAt(_editable.Count - 1);
                continue;
            }

            if (!IsPending(itemId))
            {
                return itemId;
            }
        }

        return null;
    }

    private (long Applied, long Conflicts, long Duplicates, List<PendingMutation>? Duplicated, HashSet<string> Answered) ApplyResults(
        List<PendingMutation> sent, DeviceCollectionResult result, RunContext context)
    {
        var answered = new HashSet<string>(StringComparer.Ordinal);
        if (sent.Count == 0)
        {
            return (0, 0, 0, null, answered);
        }

        if (result.Results.Count != sent.Count)
        {
            context.Violations.Add("missing-results", $"{device.AccountId}: {result.Results.Count} results for {sent.Count} mutations");
        }

        long applied = 0, conflicts = 0, duplicates = 0;
        List<PendingMutation>? duplicated = null;
        for (var i = 0; i < sent.Count; i++)
        {
            var p = sent[i];
            var r = i < result.Results.Count ? result.Results[i] : null;
            if (r is null || r.Id != p.Mutation.Id)
            {
                ledger.MarkInDoubt(p.Mutation.ItemId, p.IsDelete ? AccountLedger.DeleteTag(p.Tag) : p.Tag);
                continue;
            }

            switch (r.Status)
            {
                case "applied" when r.Version is > 0:
                    applied++;
                    answered.Add(p.Mutation.ItemId);
                    ledger.Acknowledge(p.Mutation.ItemId, r.Version.Value, p.IsDelete, p.Data, p.Tag, handedBack: p.IsRestore);
                    Store(p.Mutation.ItemId, new LocalItem(r.Version.Value, p.IsDelete, p.Data));
                    if (p.IsRestore)
                    {
                        context.Metrics.RecordHandBack("restore-applied");
                    }

                    break;
                case "duplicate" when p.IsRestore:
                    // The server holds that very version (rule 7): what the device handed back was not lost after all.
                    duplicates++;
                    context.Metrics.RecordHandBack("restore-duplicate");
                    break;
                case "conflict" when p.LostDeleteOf is { } refersTo && r.Current is { Deleted: false } copy && PredatesLostDelete(copy, refersTo):
                    // A delete the server lost met a copy another device handed back between this device's pull and this
                    // push (the pull showed none, or an older one): step 4 again, against that copy (found by the
                    // everything-wiped fault case: the older copy stayed and the acknowledged delete was gone).
                    ResendLostDelete(p.Mutation.ItemId, copy.Version, refersTo);
                    context.Metrics.RecordHandBack("held-delete-resent-after-conflict");
                    if (copy.Data is { } copyData)
                    {
                        ledger.Observe(copy.ItemId, copyData.Tag, copy.Version, "a conflict's current");
                    }

                    break;
                case "conflict":
                    conflicts++;
                    if (p.IsRestore)
                    {
                        // Another device handed the item back (or changed it) first; the server archived this copy.
                        context.Metrics.RecordHandBack("restore-conflict");
                    }

                    if (r.Current is { } current)
                    {
                        // Unless the edit lost to a record older than this device's copy, in an answer saying the server
                        // lost versions above safeVersion: the copy (its own acknowledged write, say) is one of them. It
                        // stays, to be handed back as a restore (found by the two-replicas-wiped fault case).
                        if (!HoldsLostCopy(p.Mutation.ItemId, current.Version, result.Resync))
                        {
                            answered.Add(p.Mutation.ItemId);
                            Store(current.ItemId, new LocalItem(current.Version, current.Deleted, current.Data));
                        }

                        if (current.Data is { } data && !current.Deleted)
                        {
                            ledger.Observe(current.ItemId, data.Tag, current.Version, "a conflict's current");
                        }
                    }

                    break;
                case "duplicate":
                    // Processed by an earlier attempt whose answer was lost: applied or a conflict, the server knows which.
                    duplicates++;
                    (duplicated ??= []).Add(p);
                    ledger.MarkInDoubt(p.Mutation.ItemId, p.IsDelete ? AccountLedger.DeleteTag(p.Tag) : p.Tag);
                    break;
                default:
                    context.Violations.Add("unexpected-result", $"{device.AccountId} mutation {r.Id}: status '{r.Status}', version {r.Version}");
                    ledger.MarkInDoubt(p.Mutation.ItemId, p.IsDelete ? AccountLedger.DeleteTag(p.Tag) : p.Tag);
                    break;
            }
        }

        _pending.RemoveAll(p => sent.Contains(p));
        return (applied, conflicts, duplicates, duplicated, answered);
    }

    private bool HoldsLostCopy(string itemId, long currentVersion, ResyncInfo? resync) =>
        resync is { Reason: ServerBehind or EpochChanged } && _items.TryGetValue(itemId, out var held)
        && held.Version > resync.SafeVersion && currentVersion < held.Version;

    /// <summary>
    /// Takes the pulled changes into the local store. A <c>duplicate</c> answered in this response (an earlier attempt,
    /// by the device or by the gateway retrying a timed-out call, was processed) whose data shows up in the changes
    /// was applied at that version: it counts as acknowledged from then on, so the checker holds the server to it.
    /// </summary>
    private void ApplyChanges(IReadOnlyList<ItemState> changes, List<PendingMutation>? duplicated)
    {
        foreach (var change in changes)
        {
            if (_resyncPull is { } pull && (!pull.Listed.TryGetValue(change.ItemId, out var listed) || listed.Version < change.Version))
            {
                pull.Listed[change.ItemId] = change;
            }

            if (duplicated is not null && change.Data is { } written && !change.Deleted
                && duplicated.Find(p => p.Tag == written.Tag && p.Mutation.ItemId == change.ItemId) is { } confirmed)
            {
                ledger.Acknowledge(change.ItemId, change.Version, deleted: false, written, confirmed.Tag);
            }

            if (_items.TryGetValue(change.ItemId, out var known) && known.Version > change.Version)
            {
                continue;
            }

            Store(change.ItemId, new LocalItem(change.Version, change.Deleted, change.Data));
            if (change.Data is { } data && !change.Deleted)
            {
                ledger.Observe(change.ItemId, data.Tag, change.Version, "a change");
            }
        }
    }

    private void Store(string itemId, LocalItem item)
    {
        if (!_items.ContainsKey(itemId) && !item.Deleted && !itemId.StartsWith("shared-", StringComparison.Ordinal))
        {
            _editable.Add(itemId);
        }

        _items[itemId] = item;
    }

    private async Task<GatewayCall<DeviceSyncResponse>?> SendWithRetriesAsync(
        SyncRequest request, RunContext context, TimeSpan budget, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var call = await context.Client.DeviceSyncAsync(device.Token, request, ct);
            if (call.Succeeded)
            {
                context.Metrics.RecordRequest(call.Elapsed);
                return call;
            }

            context.Metrics.RecordError(call.ErrorKey);
            if (call.Status == 200)
            {
                context.Violations.Add("malformed-200", call.Error ?? "");
            }

            if (!call.IsRetryable || Stopwatch.GetElapsedTime(started) + delay > budget)
            {
                if (!call.IsRetryable && call.Status != 200)
                {
                    context.Violations.Add($"rejected-{call.Status}", "the server refused a request the harness built (a harness bug, or a revoked token)");
                }

                return null;
            }

            if (call.RetryAfter is not null)
            {
                context.Metrics.RecordRetryAfter();
            }

            await Task.Delay(RetryDelay.Next(call.RetryAfter, delay, Random.Shared), ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            context.Metrics.RecordRetry();
        }
    }

    private static readonly Dictionary<int, string> Fillers = [];

    private static string Filler(int itemBytes)
    {
        lock (Fillers)
        {
            if (!Fillers.TryGetValue(itemBytes, out var filler))
            {
                Fillers[itemBytes] = filler = new string('x', Math.Max(1, itemBytes - 60));
            }

            return filler;
        }
    }
}
