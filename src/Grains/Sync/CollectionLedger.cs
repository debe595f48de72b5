using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// One collection materialised from its journal, and the sync rules of PROTOCOL.md over it. Not thread-safe:
/// it is owned by one grain activation. State changes only through <see cref="Apply"/>, so the same journal
/// replayed anywhere yields the same ledger.
/// </summary>
public sealed class CollectionLedger
{
    /// <summary>Bounds one maintenance journal entry; the caller plans again while there is more to purge.</summary>
    internal const int MaxPurgedTombstonesPerChange = 1000;

    private readonly SyncPolicy _policy;
    private readonly Dictionary<string, ItemState> _items = new(StringComparer.Ordinal);

    // The change feed: every item's current version in order, so a delta is a range walk, O(log n + limit).
    private readonly SortedSet<long> _versions = [];
    private readonly Dictionary<long, string> _itemAtVersion = [];

    // Kept apart so maintenance walks only tombstones, oldest first.
    private readonly SortedSet<long> _tombstoneVersions = [];

    private readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _epochCuts = [];

    /// <summary>
    /// For an epoch cut below the live head (a restore from a lagging backup, or a storage history loss): the live head it
    /// replaced.
    /// </summary>
    private readonly Dictionary<long, long> _epochReplacedHeads = [];

    // Devices that pulled from cursor null into the current history while that was required of them (readmitted, a
    // recreated collection, or since a cut that dropped handed-out versions; see Plan): only their cursors are known to
    // belong to this history (docs/adr/0008-device-readmission.md).
    private readonly HashSet<string> _freshDevices = new(StringComparer.Ordinal);

    // Appended in sequence order and purged from the front, so it stays sorted for binary search.
    private readonly List<ConflictRecord> _conflicts = [];

    public CollectionLedger(string collection, SyncPolicy policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        ArgumentNullException.ThrowIfNull(policy);
        Collection = collection;
        _policy = policy;
    }

    public string Collection { get; }

    /// <summary>The highest version ever assigned; 0 for a new collection.</summary>
    public long HeadVersion { get; private set; }

    public long CurrentEpoch { get; private set; }

    /// <summary>Live items plus the tombstones held.</summary>
    public int ItemCount => _items.Count;

    /// <summary>Items that are not tombstones.</summary>
    public int LiveItemCount => _items.Count - _tombstoneVersions.Count;

    /// <summary>The <see cref="CollectionChange.Position"/> of the last change applied; 0 for a new collection.</summary>
    public long JournalPosition { get; private set; }

    /// <summary>
    /// The storage history-loss generation this collection has answered with a new epoch (HistoryLossClock in
    /// src/Grains/Storage): below the store's, its history may have been cut under devices that saw more.
    /// </summary>
    public long HistoryLossGeneration { get; private set; }

    /// <summary>The version of the newest purged tombstone: a cursor below it may have missed a delete.</summary>
    public long OldestServableVersion { get; private set; }

    /// <summary>
    /// True when this history began from nothing under a storage history loss (every replica lost the collection): its
    /// versions are numbered from scratch, so no cursor from before is known to belong to it, whichever device sends it.
    /// </summary>
    public bool RecreatedAfterLoss { get; private set; }

    /// <summary>Devices whose cursors are known to belong to the current history (see <see cref="RecreatedAfterLoss"/>).</summary>
    internal IReadOnlyCollection<string> FreshDevices => _freshDevices;

    internal long NextConflictSequence { get; private set; } = 1;

    internal IReadOnlyDictionary<long, long> EpochCuts => _epochCuts;

    internal IReadOnlyDictionary<long, long> EpochReplacedHeads => _epochReplacedHeads;

    internal IReadOnlyList<ConflictRecord> Conflicts => _conflicts;

    internal IEnumerable<KeyValuePair<string, long>> Marks => _marks;

    internal IEnumerable<ItemState> ItemsByVersion => _versions.Select(v => _items[_itemAtVersion[v]]);

    internal ItemState? Find(string itemId) => _items.GetValueOrDefault(itemId);

    internal long MarkOf(string deviceId) => _marks.GetValueOrDefault(deviceId);

    /// <param name="deviceRecentlyResynced">The server answered this device with a resync within
    /// <see cref="SyncPolicy.DeleteAfterResyncWindow"/> (the grain remembers that; the ledger stays pure).</param>
    public SyncPlan Plan(SyncCollectionRequest request, DateTimeOffset now, bool deviceRecentlyResynced = false)
    {
        SyncRequestGuard.Check(request);
        var fresh = _freshDevices.Contains(request.DeviceId);
        var needsFreshStart = !fresh && (request.DeviceReadmitted || RecreatedAfterLoss);
        var verdict = needsFreshStart && request.Cursor is not null
            // A cursor this history cannot vouch for: its number may be a version of the lost history, or of this one
            // once it has grown past it. Nothing of it is held (PROTOCOL.md "Resync": hand back everything, pull from null).
            ? new CursorVerdict(new ResyncInstruction { Reason = ResyncReason.EpochChanged, SafeVersion = 0 }, null)
            // After a cut that dropped handed-out versions, an old-epoch cursor at or below the cut is sent to resync only
            // if it was handed out before the cut: a device that has pulled from null since then holds cursors of the
            // same numbers (the pages of that pull, and the head while no version of the new epoch exists yet) that are
            // good, and judging those again would make it pull from null forever.
            : ResyncPolicy.Judge(request.Cursor, HeadVersion, CurrentEpoch, OldestServableVersion, _epochCuts, fresh ? null : _epochReplacedHeads);
        var pending = new PendingChange(this, verdict.NewEpoch);
        var notesFresh = request.Cursor is null && !fresh && (needsFreshStart || _epochReplacedHeads.Count > 0);
        if (notesFresh)
        {
            // This pull from null hands the device a cursor of the current history: from now on it is served normally.
            pending.NoteFreshDevice(request.DeviceId);
        }

        if (verdict.Resync is null && !request.ConfirmMassDelete && GuardDeletes(request, deviceRecentlyResynced) is { } refused)
        {
            // The refusal still answers with a cursor of this history, so the device is noted all the same.
            return new SyncPlan(notesFresh ? new PendingChange(this, null).NoteFreshDevice(request.DeviceId).ToChange() : null, [], null, refused);
        }

        var results = new MutationResult[request.Mutations.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Decide(pending, request.Mutations[i], request.DeviceId, now);
        }

        return new SyncPlan(pending.ToChange(), results, verdict.Resync);
    }

    public void Apply(CollectionChange change)
    {
        Check(change);

        if (change.HistoryLossGeneration is { } generation && generation > HistoryLossGeneration)
        {
            HistoryLossGeneration = generation;
        }

        if (change.Restored is { } restored)
        {
            var answered = HistoryLossGeneration; // a restored image does not un-answer a loss the live collection answered
            ReplaceWith(restored);
            HistoryLossGeneration = Math.Max(answered, HistoryLossGeneration);
            StartEpoch(change.NewEpoch!);
            HeadVersion = change.HeadVersion;
            JournalPosition = change.Position;
            return;
        }

        if (change.NewEpoch is { } epoch)
        {
            StartEpoch(epoch);
        }

        if (change.Recreated == true)
        {
            RecreatedAfterLoss = true;
        }

        _freshDevices.UnionWith(change.FreshDevices ?? []);

        foreach (var record in change.Items)
        {
            Put(record.ToState());
        }

        foreach (var mark in change.Marks)
        {
            if (mark.MutationId > MarkOf(mark.DeviceId))
            {
                _marks[mark.DeviceId] = mark.MutationId;
            }
        }

        foreach (var conflict in change.Conflicts)
        {
            _conflicts.Add(conflict.ToRecord(Collection));
            NextConflictSequence = conflict.Sequence + 1;
        }

        foreach (var purged in change.PurgedTombstones)
        {
            if (_items.TryGetValue(purged.ItemId, out var item) && item.Deleted && item.Version == purged.Version)
            {
                Remove(item);
            }

            OldestServableVersion = Math.Max(OldestServableVersion, purged.Version);
        }

        if (change.PurgedConflictsThrough is { } through)
        {
            _conflicts.RemoveRange(0, CountConflictsThrough(through));
        }

        HeadVersion = change.HeadVersion;
        JournalPosition = change.Position;
    }

    /// <summary>
    /// The mass-delete guard: deletes of live items that would remove more than <see cref="SyncPolicy.MassDeleteShare"/>
    /// of the collection and more than <see cref="SyncPolicy.MassDeleteMinimum"/> items, or any delete from a device
    /// that was just told to resync, are not applied without the device's confirmation.
    /// </summary>
    private MassDeleteRefusal? GuardDeletes(SyncCollectionRequest request, bool deviceRecentlyResynced)
    {
        var deletes = request.Mutations
            .Where(m => m.Op == MutationOp.Delete && m.Id > MarkOf(request.DeviceId) && _items.TryGetValue(m.ItemId, out var item) && !item.Deleted)
            .Select(m => m.ItemId)
            .Distinct(StringComparer.Ordinal)
            .Count();
        if (deletes == 0)
        {
            return null;
        }

        var live = LiveItemCount;
        if (deviceRecentlyResynced)
        {
            return new MassDeleteRefusal { Reason = MassDeleteReasons.AfterResync, Deletes = deletes, LiveItems = live };
        }

        return deletes > _policy.MassDeleteMinimum && deletes > _policy.MassDeleteShare * live
            ? new MassDeleteRefusal { Reason = MassDeleteReasons.MassDelete, Deletes = deletes, LiveItems = live }
            : null;
    }

    public SyncCollectionResult Complete(SyncPlan plan, SyncCollectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(request);
        if (plan.Resync is not null)
        {
            return new SyncCollectionResult { Results = plan.Results, Cursor = null, Resync = plan.Resync };
        }

        var after = request.Cursor ?? 0;
        var limit = Math.Clamp(request.Limit, 1, SyncLimits.MaxChangesLimit);
        var changes = new List<ItemState>();
        var hasMore = false;
        if (_versions.Count > 0 && _versions.Max > after)
        {
            foreach (var version in _versions.GetViewBetween(after + 1, long.MaxValue))
            {
                if (changes.Count == limit)
                {
                    hasMore = true;
                    break;
                }

                changes.Add(_items[_itemAtVersion[version]]);
            }
        }

        return new SyncCollectionResult
        {
            Results = plan.Results,
            Refused = plan.Refused,
            Changes = changes,
            Cursor = hasMore ? changes[^1].Version : Math.Max(HeadVersion, after),
            HasMore = hasMore,
        };
    }

    public ConflictPage ReadConflicts(long? afterSequence, int limit)
    {
        var after = afterSequence ?? 0;
        limit = Math.Clamp(limit, 1, SyncLimits.MaxConflictsPerPage);
        var start = CountConflictsThrough(after);
        var count = Math.Min(limit, _conflicts.Count - start);
        var page = _conflicts.GetRange(start, count);
        return new ConflictPage
        {
            Conflicts = page,
            Cursor = count > 0 ? page[^1].Sequence : after,
            HasMore = start + count < _conflicts.Count,
        };
    }

    public CollectionChange? PlanMaintenance(DateTimeOffset now)
    {
        var tombstonesBefore = now - _policy.TombstoneRetention;
        var purged = new List<PurgedTombstone>();
        foreach (var version in _tombstoneVersions)
        {
            if (purged.Count == MaxPurgedTombstonesPerChange)
            {
                break;
            }

            var tombstone = _items[_itemAtVersion[version]];
            if (tombstone.ModifiedAt < tombstonesBefore)
            {
                purged.Add(new PurgedTombstone { ItemId = tombstone.ItemId, Version = tombstone.Version });
            }
        }

        // Only a prefix is purged, so the archive stays a contiguous range of sequences; a record stamped by a
        // slower clock merely waits for the one before it, which still honours "kept at least" the retention.
        var conflictsBefore = now - _policy.ConflictRetention;
        long? purgedThrough = null;
        foreach (var conflict in _conflicts)
        {
            if (conflict.At >= conflictsBefore)
            {
                break;
            }

            purgedThrough = conflict.Sequence;
        }

        if (purged.Count == 0 && purgedThrough is null)
        {
            return null;
        }

        return new CollectionChange
        {
            Position = JournalPosition + 1,
            PurgedTombstones = purged,
            PurgedConflictsThrough = purgedThrough,
            HeadVersion = HeadVersion,
        };
    }

    /// <summary>
    /// The journal entry that makes this collection what <paramref name="restored"/> is (a collection rebuilt from
    /// backup), in a new epoch above both its epoch and this one's, with the restored epoch cut at the restored head:
    /// a device whose cursor lies past that head gets <c>epoch-changed</c> and hands back what it holds; versions handed
    /// out from now on are above every version this collection ever assigned.
    /// </summary>
    public CollectionChange PlanRestore(CollectionLedger restored)
    {
        ArgumentNullException.ThrowIfNull(restored);
        if (!string.Equals(restored.Collection, Collection, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A backup of '{restored.Collection}' cannot restore '{Collection}'.", nameof(restored));
        }

        var epoch = Math.Max(CurrentEpoch, restored.CurrentEpoch) + 1;
        if (epoch > ResyncPolicy.MaxEpoch)
        {
            throw new InvalidOperationException($"'{Collection}' has no epoch left to restore into.");
        }

        return new CollectionChange
        {
            SchemaVersion = CollectionChange.RestoreSchemaVersion,
            Position = JournalPosition + 1,
            Restored = CollectionSnapshot.Of(restored),
            NewEpoch = new EpochStart
            {
                Epoch = epoch,
                CutVersion = restored.HeadVersion,
                ReplacedHead = HeadVersion > restored.HeadVersion ? HeadVersion : null,
            },
            HeadVersion = restored.HeadVersion,
        };
    }

    /// <summary>
    /// The change that answers a storage history loss (<paramref name="generation"/>): a new epoch cut at the head this
    /// collection still holds, so a device whose cursor lies past it (it saw versions storage lost, or would have seen
    /// them reassigned) gets <c>epoch-changed</c> and hands back what it holds, and no version is handed out twice.
    /// In the last epoch (no epoch left) it only records the generation.
    /// </summary>
    /// When the collection holds nothing at all (its journal is empty: every replica lost it, or it is new), the history
    /// that follows is marked <see cref="RecreatedAfterLoss"/>: its numbering starts from scratch, so the epoch cut alone
    /// cannot tell an old cursor from a new one.
    /// Storage cannot say how far the lost history went, so the cut records the old epoch's last possible version as the
    /// head it replaced: a device at or below the cut may hold its own acknowledged write among the lost versions, and
    /// it too is sent to resync once (as after a restore from a lagging backup; ResyncPolicy).
    public CollectionChange PlanHistoryLossEpoch(long generation) => new()
    {
        Position = JournalPosition + 1,
        NewEpoch = CurrentEpoch < ResyncPolicy.MaxEpoch
            ? new EpochStart { Epoch = CurrentEpoch + 1, CutVersion = HeadVersion, ReplacedHead = Versions.Compose(CurrentEpoch + 1, 0) - 1 }
            : null,
        HistoryLossGeneration = generation,
        Recreated = JournalPosition == 0 ? true : null,
        HeadVersion = HeadVersion,
    };

    /// <summary>
    /// Adds the blobs that live items and the conflict archive refer to (Blobs.BlobReferences) to <paramref name="into"/>.
    /// The archive counts because a device may read a losing version and keep it (ADR 0009): its photo must still be there.
    /// Tombstones carry no data and refer to nothing.
    /// </summary>
    public void CollectBlobReferences(ISet<string> into)
    {
        foreach (var item in _items.Values)
        {
            if (!item.Deleted)
            {
                Blobs.BlobReferences.Collect(item.Data, into);
            }
        }

        foreach (var conflict in _conflicts)
        {
            Blobs.BlobReferences.Collect(conflict.Data, into);
        }
    }

    public string ComputeDigest() => CollectionDigest.Compute(_items.Values);

    public CollectionSummary Summarize() => new()
    {
        Digest = ComputeDigest(),
        Items = _items.Count,
        LiveItems = LiveItemCount,
        HeadVersion = HeadVersion,
        Epoch = CurrentEpoch,
    };

    internal static CollectionLedger FromSnapshot(CollectionSnapshot snapshot, SyncPolicy policy)
    {
        if (string.IsNullOrEmpty(snapshot.Collection))
        {
            throw new InvalidDataException("The collection snapshot names no collection.");
        }

        var ledger = new CollectionLedger(snapshot.Collection, policy);
        ledger.ReplaceWith(snapshot);
        return ledger;
    }

    /// <summary>Makes this ledger exactly the snapshot's state (a load, or a restore from backup).</summary>
    private void ReplaceWith(CollectionSnapshot snapshot)
    {
        if (!string.Equals(snapshot.Collection, Collection, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"A snapshot of '{snapshot.Collection}' cannot become '{Collection}'.");
        }

        _items.Clear();
        _versions.Clear();
        _itemAtVersion.Clear();
        _tombstoneVersions.Clear();
        _marks.Clear();
        _epochCuts.Clear();
        _epochReplacedHeads.Clear();
        _conflicts.Clear();
        _freshDevices.Clear();
        RecreatedAfterLoss = snapshot.Recreated == true;
        _freshDevices.UnionWith(snapshot.FreshDevices ?? []);
        HeadVersion = snapshot.HeadVersion;
        CurrentEpoch = snapshot.CurrentEpoch;
        JournalPosition = snapshot.Position;
        OldestServableVersion = snapshot.OldestServableVersion;
        NextConflictSequence = snapshot.NextConflictSequence;
        HistoryLossGeneration = snapshot.HistoryLossGeneration ?? 0;
        foreach (var cut in snapshot.EpochCuts)
        {
            _epochCuts[cut.Epoch] = cut.CutVersion;
            if (cut.ReplacedHead is { } replaced)
            {
                _epochReplacedHeads[cut.Epoch] = replaced;
            }
        }

        foreach (var item in snapshot.Items)
        {
            if (item.Version < 1 || item.Version > snapshot.HeadVersion || _items.ContainsKey(item.ItemId))
            {
                throw new InvalidDataException($"Snapshot of '{snapshot.Collection}' holds an inconsistent item.");
            }

            Put(item.ToState());
        }

        foreach (var mark in snapshot.Marks)
        {
            _marks[mark.DeviceId] = mark.MutationId;
        }

        foreach (var conflict in snapshot.Conflicts)
        {
            _conflicts.Add(conflict.ToRecord(snapshot.Collection));
        }
    }

    private static MutationResult Decide(PendingChange pending, Mutation mutation, string deviceId, DateTimeOffset now)
    {
        var current = pending.Find(mutation.ItemId);
        var currentVersion = current?.Version ?? 0;
        if (mutation.Id <= pending.MarkOf(deviceId))
        {
            return new MutationResult { Id = mutation.Id, Status = MutationStatus.Duplicate, Version = currentVersion };
        }

        pending.RaiseMark(deviceId, mutation.Id);
        switch (mutation.Op)
        {
            case MutationOp.Put:
            case MutationOp.Delete:
                var deleting = mutation.Op == MutationOp.Delete;
                if (mutation.BaseVersion is { } baseVersion && baseVersion != currentVersion)
                {
                    pending.Archive(mutation, deleting, currentVersion, now, deviceId);
                    return new MutationResult { Id = mutation.Id, Status = MutationStatus.Conflict, Current = current };
                }

                // A delete of an item the server has no record of still leaves a tombstone: it keeps the device's
                // intent, gives the mutation a version, and tells devices that still hold the item (say, after the
                // server lost it) to drop it.
                var version = pending.Write(mutation.ItemId, deleting, mutation.Data, now, deviceId);
                return new MutationResult { Id = mutation.Id, Status = MutationStatus.Applied, Version = version };

            case MutationOp.Restore:
                // A record that is itself a hand-back is compared at the version its device held it at: after a loss
                // every hand-back gets a version of the new history, above any the devices held, so comparing that
                // would keep whichever copy came back first, however old (found by the fault matrix: ADR 0008). A
                // restore from the record's own epoch carries a version of this history (the device saw this record
                // or a later one): that is compared with the record's version, as rule 7 says.
                var held = current?.HandedBackVersion is { } handedBack && Versions.EpochOf(mutation.Version) != Versions.EpochOf(currentVersion)
                    ? handedBack
                    : currentVersion;
                if (current is null || held < mutation.Version)
                {
                    var restored = pending.Write(mutation.ItemId, deleted: false, mutation.Data, now, deviceId, handedBackVersion: mutation.Version);
                    return new MutationResult { Id = mutation.Id, Status = MutationStatus.Applied, Version = restored };
                }

                if (held == mutation.Version)
                {
                    return new MutationResult { Id = mutation.Id, Status = MutationStatus.Duplicate, Version = currentVersion };
                }

                pending.Archive(mutation, deleted: false, currentVersion, now, deviceId);
                return new MutationResult { Id = mutation.Id, Status = MutationStatus.Conflict, Current = current };

            default:
                throw new ArgumentException($"Mutation {mutation.Id} has no valid op.", nameof(mutation));
        }
    }

    /// <summary>Cuts the current epoch where <paramref name="start"/> says and moves to the new one.</summary>
    private void StartEpoch(EpochStart start)
    {
        _epochCuts[CurrentEpoch] = start.CutVersion;
        if (start.ReplacedHead is { } replaced && replaced > start.CutVersion)
        {
            _epochReplacedHeads[CurrentEpoch] = replaced;
            _freshDevices.Clear(); // every device's cursors predate this cut: each pulls from null once more
        }

        CurrentEpoch = start.Epoch;
    }

    /// <summary>Refuses a change that does not follow this ledger, before anything is touched.</summary>
    private void Check(CollectionChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.SchemaVersion < 1 || change.SchemaVersion > CollectionChange.MaxSchemaVersion)
        {
            throw new NotSupportedException($"Journal entry schema {change.SchemaVersion} is not supported.");
        }

        if (change.Position != JournalPosition + 1)
        {
            throw new InvalidOperationException(
                $"Journal entry {change.Position} does not follow entry {JournalPosition} of '{Collection}'.");
        }

        if (change.Restored is { } restored)
        {
            // A restore replaces the state wholesale; it must start an epoch above both histories, cut at the restored head.
            if (change.SchemaVersion < CollectionChange.RestoreSchemaVersion
                || change.NewEpoch is not { } start
                || start.Epoch <= Math.Max(CurrentEpoch, restored.CurrentEpoch)
                || start.CutVersion != restored.HeadVersion
                || change.HeadVersion != restored.HeadVersion
                || !string.Equals(restored.Collection, Collection, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Journal entry {change.Position} is not a valid restore of '{Collection}'.");
            }

            return;
        }

        if (change.NewEpoch is { } epoch && (epoch.Epoch <= CurrentEpoch || epoch.CutVersion != HeadVersion))
        {
            throw new InvalidOperationException($"Journal entry {change.Position} starts an impossible epoch.");
        }

        if (change.HeadVersion < HeadVersion
            || change.Items.Any(i => i.Version <= HeadVersion || i.Version > change.HeadVersion))
        {
            throw new InvalidOperationException($"Journal entry {change.Position} reuses or skips past versions.");
        }

        var lastSequence = NextConflictSequence - 1;
        foreach (var conflict in change.Conflicts)
        {
            if (conflict.Sequence <= lastSequence)
            {
                throw new InvalidOperationException($"Journal entry {change.Position} reuses conflict sequences.");
            }

            lastSequence = conflict.Sequence;
        }

        if (change.PurgedTombstones.Any(p => p.Version > HeadVersion))
        {
            throw new InvalidOperationException($"Journal entry {change.Position} purges a version never assigned.");
        }
    }

    private void Put(ItemState item)
    {
        if (_items.TryGetValue(item.ItemId, out var previous))
        {
            Remove(previous);
        }

        _items[item.ItemId] = item;
        _versions.Add(item.Version);
        _itemAtVersion[item.Version] = item.ItemId;
        if (item.Deleted)
        {
            _tombstoneVersions.Add(item.Version);
        }
    }

    private void Remove(ItemState item)
    {
        _items.Remove(item.ItemId);
        _versions.Remove(item.Version);
        _itemAtVersion.Remove(item.Version);
        _tombstoneVersions.Remove(item.Version);
    }

    /// <summary>How many archived conflicts have a sequence at or below <paramref name="sequence"/>.</summary>
    private int CountConflictsThrough(long sequence)
    {
        int low = 0, high = _conflicts.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_conflicts[mid].Sequence <= sequence)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
