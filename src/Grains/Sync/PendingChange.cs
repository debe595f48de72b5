using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// A commit being decided: an overlay over the ledger holding only what this request changes, so later mutations
/// see earlier ones without the ledger being touched or copied.
/// </summary>
internal sealed class PendingChange
{
    private readonly CollectionLedger _ledger;
    private readonly Dictionary<string, ItemState> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);
    private readonly List<ArchivedConflict> _conflicts = [];
    private string? _freshDevice;
    private readonly EpochStart? _newEpoch;
    private readonly long _epoch;
    private long _head;
    private long _nextConflictSequence;

    public PendingChange(CollectionLedger ledger, EpochStart? newEpoch)
    {
        _ledger = ledger;
        _newEpoch = newEpoch;
        _epoch = newEpoch?.Epoch ?? ledger.CurrentEpoch;
        _head = ledger.HeadVersion;
        _nextConflictSequence = ledger.NextConflictSequence;
    }

    public ItemState? Find(string itemId) =>
        _written.TryGetValue(itemId, out var item) ? item : _ledger.Find(itemId);

    public long MarkOf(string deviceId) =>
        _marks.TryGetValue(deviceId, out var mark) ? mark : _ledger.MarkOf(deviceId);

    public void RaiseMark(string deviceId, long mutationId)
    {
        if (mutationId > MarkOf(deviceId))
        {
            _marks[deviceId] = mutationId;
        }
    }

    /// <summary>Records that the device pulls from null into the current history (<see cref="CollectionLedger.RecreatedAfterLoss"/>).</summary>
    public PendingChange NoteFreshDevice(string deviceId)
    {
        _freshDevice = deviceId;
        return this;
    }

    public long Write(string itemId, bool deleted, string? data, DateTimeOffset now, string deviceId, long? handedBackVersion = null)
    {
        var version = NextVersion();
        _written[itemId] = new ItemState
        {
            ItemId = itemId,
            Version = version,
            Deleted = deleted,
            Data = deleted ? null : data,
            ModifiedAt = now,
            ModifiedBy = deviceId,
            HandedBackVersion = handedBackVersion,
        };
        return version;
    }

    public void Archive(Mutation mutation, bool deleted, long serverVersion, DateTimeOffset now, string deviceId) =>
        _conflicts.Add(new ArchivedConflict
        {
            Sequence = _nextConflictSequence++,
            ItemId = mutation.ItemId,
            DeviceId = deviceId,
            MutationId = mutation.Id,
            At = now,
            Data = deleted ? null : mutation.Data,
            Deleted = deleted,
            ServerVersion = serverVersion,
        });

    /// <summary>Null when nothing must be persisted: no write, no conflict, no mark raised, no epoch started.</summary>
    public CollectionChange? ToChange()
    {
        if (_newEpoch is null && _written.Count == 0 && _marks.Count == 0 && _conflicts.Count == 0 && _freshDevice is null)
        {
            return null;
        }

        return new CollectionChange
        {
            Position = _ledger.JournalPosition + 1,
            NewEpoch = _newEpoch,
            Items = _written.Values.OrderBy(i => i.Version).Select(ItemRecord.From).ToArray(),
            Marks = _marks.OrderBy(m => m.Key, StringComparer.Ordinal)
                .Select(m => new DeviceMark { DeviceId = m.Key, MutationId = m.Value })
                .ToArray(),
            Conflicts = _conflicts.ToArray(),
            FreshDevices = _freshDevice is null ? null : [_freshDevice],
            HeadVersion = _head,
        };
    }

    private long NextVersion()
    {
        // The first version of an epoch is its sequence 1, even when the epoch was entered by skipping several.
        var next = Versions.EpochOf(_head) == _epoch ? _head + 1 : Versions.Compose(_epoch, 1);
        if (next > SyncLimits.MaxSafeInteger || Versions.EpochOf(next) != _epoch)
        {
            throw new InvalidOperationException("The collection's version space is exhausted.");
        }

        _head = next;
        return next;
    }
}
