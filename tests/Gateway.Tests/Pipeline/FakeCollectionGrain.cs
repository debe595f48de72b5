using System.Collections.Concurrent;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>
/// A deliberately small in-memory collection: versions, per-device high-water marks, conflicts, tombstones and
/// paging. Not the real sync logic (that lives in the grains); enough to see the gateway carry it faithfully.
/// Failures can be queued to see how the gateway answers them.
/// </summary>
public sealed class FakeCollectionGrain(string key, FakeCluster cluster) : ICollectionGrain
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ItemState> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _highWater = new(StringComparer.Ordinal);
    private readonly List<ConflictRecord> _conflicts = [];
    private long _version;

    /// <summary>Exceptions to throw from the next calls, in order.</summary>
    public ConcurrentQueue<Exception> Failures { get; } = new();

    public int Calls { get; private set; }

    public Task<SyncCollectionResult> SyncAsync(SyncCollectionRequest request)
    {
        lock (_lock)
        {
            Calls++;
            if (Failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            if (request.Cursor > _version)
            {
                return Task.FromResult(new SyncCollectionResult { Resync = new ResyncInstruction { Reason = ResyncReason.ServerBehind, SafeVersion = _version } });
            }

            var results = request.Mutations.Select(m => Apply(request.DeviceId, m)).ToList();
            if (results.Count > 0)
            {
                // As the real collection grain does when it commits: account-wide listings find this collection.
                var (accountId, collection) = CollectionKey.Parse(key);
                cluster.Account(accountId).NoteCollectionAsync(collection);
            }

            var after = request.Cursor ?? 0;
            var pending = _items.Values.Where(i => i.Version > after).OrderBy(i => i.Version).ToList();
            var page = pending.Take(request.Limit).ToList();
            return Task.FromResult(new SyncCollectionResult
            {
                Results = results,
                Changes = page,
                Cursor = page.Count > 0 ? page[^1].Version : request.Cursor ?? _version,
                HasMore = pending.Count > page.Count,
            });
        }
    }

    public Task<CollectionSummary> GetSummaryAsync() => Task.FromResult(new CollectionSummary { Digest = "fake" });

    /// <summary>Answer restores as restored (to the current version) instead of "backups off"; queued failures apply first.</summary>
    public bool BackupsOn { get; set; }

    public int Restores { get; private set; }

    public Task<DeviceSync.Contracts.Backups.CollectionRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to)
    {
        lock (_lock)
        {
            if (Failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            if (!BackupsOn)
            {
                return Task.FromResult(new DeviceSync.Contracts.Backups.CollectionRestoreResult { Status = DeviceSync.Contracts.Backups.RestoreStatus.BackupsOff });
            }

            Restores++;
            return Task.FromResult(new DeviceSync.Contracts.Backups.CollectionRestoreResult
            {
                Status = DeviceSync.Contracts.Backups.RestoreStatus.Restored,
                Sequence = _version,
                CommittedAt = DateTimeOffset.UnixEpoch,
                Summary = new CollectionSummary { Digest = "fake" },
            });
        }
    }

    public Task<ConflictPage> GetConflictsAsync(long? afterSequence, int limit)
    {
        lock (_lock)
        {
            var pending = _conflicts.Where(c => c.Sequence > (afterSequence ?? 0)).ToList();
            var page = pending.Take(limit).ToList();
            return Task.FromResult(new ConflictPage { Conflicts = page, Cursor = page.Count > 0 ? page[^1].Sequence : afterSequence, HasMore = pending.Count > page.Count });
        }
    }

    private MutationResult Apply(string deviceId, Mutation m)
    {
        _items.TryGetValue(m.ItemId, out var current);
        if (_highWater.TryGetValue(deviceId, out var seen) && m.Id <= seen)
        {
            return new MutationResult { Id = m.Id, Status = MutationStatus.Duplicate, Version = current?.Version ?? 0 };
        }

        _highWater[deviceId] = m.Id;
        if (m.BaseVersion is { } baseVersion && baseVersion != (current?.Version ?? 0))
        {
            _conflicts.Add(new ConflictRecord
            {
                Sequence = _conflicts.Count + 1,
                Collection = CollectionKey.Parse(key).Collection,
                ItemId = m.ItemId,
                DeviceId = deviceId,
                MutationId = m.Id,
                At = DateTimeOffset.UtcNow,
                Data = m.Data,
                Deleted = m.Op == MutationOp.Delete,
                ServerVersion = current?.Version ?? 0,
            });
            return new MutationResult { Id = m.Id, Status = MutationStatus.Conflict, Current = current };
        }

        var item = new ItemState
        {
            ItemId = m.ItemId,
            Version = ++_version,
            Deleted = m.Op == MutationOp.Delete,
            Data = m.Op == MutationOp.Delete ? null : m.Data,
            ModifiedAt = DateTimeOffset.UtcNow,
            ModifiedBy = deviceId,
        };
        _items[m.ItemId] = item;
        return new MutationResult { Id = m.Id, Status = MutationStatus.Applied, Version = item.Version };
    }
}
