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
    private readonly Dictionary<string, LocalItem> _items = new(StringComparer.Ordinal);
    private readonly List<PendingMutation> _pending = [];
    private readonly Random _random = new(seed);
    private readonly List<string> _editable = [];
    private string? _cursor;
    private long _lastMutationId;
    private long _createdItems;

    public int Index => index;

    public Device Device => device;

    public AccountLedger Ledger => ledger;

    public Random Random => _random;

    public int PendingCount => _pending.Count;

    public IReadOnlyCollection<PendingMutation> Pending => _pending;

    /// <summary>Runs one operation of <paramref name="kind"/>; false when its request ultimately failed (the mutations stay pending).</summary>
    public async Task<bool> RunAsync(OperationKind kind, RunContext context, TimeSpan retryBudget, CancellationToken ct)
    {
        var effective = AddMutation(kind, context.Options);
        long acknowledged = 0, conflicts = 0, duplicates = 0;
        while (true)
        {
            var sent = _pending.ToList();
            var request = new SyncRequest([new CollectionSync
            {
                Name = RunContext.Collection,
                Cursor = _cursor,
                Limit = PageLimit,
                Mutations = sent.Count == 0 ? null : [.. sent.Select(p => p.Mutation)],
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

            var counts = ApplyResults(sent, result, context);
            acknowledged += counts.Applied;
            conflicts += counts.Conflicts;
            duplicates += counts.Duplicates;
            if (result.Resync is not null)
            {
                // The harness never loses local state and the cluster should never be behind it: note it, start over.
                context.Violations.Add("unexpected-resync", $"{device.AccountId} device {device.DeviceId}: {result.Resync.Reason} (safe {result.Resync.SafeVersion})");
                _cursor = null;
                break;
            }

            ApplyChanges(result.Changes, counts.Duplicated);
            _cursor = result.Cursor ?? _cursor;
            if (!result.HasMore)
            {
                break;
            }
        }

        context.Metrics.RecordOperation(effective, acknowledged, conflicts, duplicates);
        return true;
    }

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

    private (long Applied, long Conflicts, long Duplicates, List<PendingMutation>? Duplicated) ApplyResults(List<PendingMutation> sent, DeviceCollectionResult result, RunContext context)
    {
        if (sent.Count == 0)
        {
            return default;
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
                    ledger.Acknowledge(p.Mutation.ItemId, r.Version.Value, p.IsDelete, p.Data, p.Tag);
                    Store(p.Mutation.ItemId, new LocalItem(r.Version.Value, p.IsDelete, p.Data));
                    break;
                case "conflict":
                    conflicts++;
                    if (r.Current is { } current)
                    {
                        Store(current.ItemId, new LocalItem(current.Version, current.Deleted, current.Data));
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
        return (applied, conflicts, duplicates, duplicated);
    }

    /// <summary>
    /// Takes the pulled changes into the local store. A <c>duplicate</c> answered in this response (an earlier attempt,
    /// by the device or by the gateway retrying a timed-out call, was processed) whose data shows up in the changes
    /// was applied at that version: it counts as acknowledged from then on, so the checker holds the server to it.
    /// </summary>
    private void ApplyChanges(IReadOnlyList<ItemState> changes, List<PendingMutation>? duplicated)
    {
        foreach (var change in changes)
        {
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
