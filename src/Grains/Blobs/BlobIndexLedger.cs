using System.Text.Json;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// The materialised blob index of one account, rebuilt from its snapshot and journal, with its garbage-collection state
/// (docs/adr/0009-blob-garbage-collection.md). Plain class: the grain decides when to persist. The first record of a hash
/// wins (its content type and upload time), so replaying a resent add is harmless.
/// </summary>
public sealed class BlobIndexLedger
{
    private readonly Dictionary<string, BlobIndexEntry> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BlobIndexTombstone> _tombstones = new(StringComparer.Ordinal);

    public int Count => _blobs.Count;

    public IEnumerable<BlobIndexEntry> Blobs => _blobs.Values;

    /// <summary>Unreferenced blobs waiting out their grace period, and since when.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Marks => _marks;

    public IEnumerable<BlobIndexTombstone> Tombstones => _tombstones.Values;

    /// <summary>Collected blobs whose bytes may still be on some replica.</summary>
    public IEnumerable<BlobIndexTombstone> PendingDeletes => _tombstones.Values.Where(t => t.Deleting);

    /// <summary>Blobs collected so far; the ticket an upload that begins now gets.</summary>
    public long Counter { get; private set; }

    /// <summary>Uploads whose ticket is below this began before a tombstone that was pruned: they are refused.</summary>
    public long PruneFloor { get; private set; }

    public BlobIndexEntry? Find(string sha256) => _blobs.GetValueOrDefault(sha256);

    public BlobIndexTombstone? FindTombstone(string sha256) => _tombstones.GetValueOrDefault(sha256);

    /// <summary>
    /// Whether an upload that began with <paramref name="ticket"/> may record <paramref name="sha256"/>: not if the hash was
    /// collected after the upload began (its commit may have found bytes the collection then deleted), nor if the upload
    /// began before a forgotten tombstone.
    /// </summary>
    public bool AcceptsUpload(string sha256, long ticket) =>
        ticket >= PruneFloor && !(_tombstones.GetValueOrDefault(sha256) is { } tombstone && tombstone.Collection > ticket);

    public void Apply(BlobIndexChange change)
    {
        foreach (var blob in change.Added ?? [])
        {
            _blobs.TryAdd(blob.Sha256, blob);
            // Recorded again after a collection: the record now protects the bytes (an upload after the collection put
            // them back), so the tombstone, and any deletion still pending, ends.
            _tombstones.Remove(blob.Sha256);
        }

        foreach (var mark in change.Marked ?? [])
        {
            if (_blobs.ContainsKey(mark.Sha256))
            {
                _marks.TryAdd(mark.Sha256, mark.Since);
            }
        }

        foreach (var sha256 in change.Unmarked ?? [])
        {
            _marks.Remove(sha256);
        }

        foreach (var tombstone in change.Collected ?? [])
        {
            _blobs.Remove(tombstone.Sha256);
            _marks.Remove(tombstone.Sha256);
            _tombstones[tombstone.Sha256] = tombstone;
            Counter = Math.Max(Counter, tombstone.Collection);
        }

        foreach (var sha256 in (change.Deleted ?? []).Concat(change.Cancelled ?? []))
        {
            if (_tombstones.TryGetValue(sha256, out var tombstone))
            {
                tombstone.Deleting = false;
                tombstone.At = change.At ?? tombstone.At;
            }
        }

        foreach (var sha256 in change.Pruned ?? [])
        {
            _tombstones.Remove(sha256);
        }

        if (change.PruneFloor is { } floor)
        {
            PruneFloor = Math.Max(PruneFloor, floor);
        }
    }

    /// <summary>
    /// What a scan changes, given the hashes the account's items refer to (read before this call): referenced blobs lose
    /// their mark; unreferenced ones are marked; a blob marked at least <paramref name="grace"/> ago, not uploaded since (an
    /// upload unmarks) and with no upload begun in this activation (<paramref name="uploading"/>) is collected. Null: nothing.
    /// </summary>
    public BlobIndexChange? PlanScan(IReadOnlySet<string> referenced, DateTimeOffset now, TimeSpan grace, IReadOnlySet<string> uploading)
    {
        var change = new BlobIndexChange { At = now, Marked = [], Unmarked = [], Collected = [] };
        var counter = Counter;
        foreach (var blob in _blobs.Values.OrderBy(b => b.Sha256, StringComparer.Ordinal))
        {
            var marked = _marks.TryGetValue(blob.Sha256, out var since);
            if (referenced.Contains(blob.Sha256))
            {
                if (marked)
                {
                    change.Unmarked.Add(blob.Sha256);
                }
            }
            else if (!marked)
            {
                change.Marked.Add(new BlobIndexMark { Sha256 = blob.Sha256, Since = now });
            }
            else if (now - since >= grace && !uploading.Contains(blob.Sha256))
            {
                change.Collected.Add(new BlobIndexTombstone { Sha256 = blob.Sha256, Collection = ++counter, Length = blob.Length, Deleting = true, At = now });
            }
        }

        return change.HasCollectionState ? Stamp(change) : null;
    }

    /// <summary>Forgets tombstones whose deletion ended at least <paramref name="grace"/> ago (no upload runs that long); null: none.</summary>
    public BlobIndexChange? PlanPrune(DateTimeOffset now, TimeSpan grace)
    {
        var old = _tombstones.Values.Where(t => !t.Deleting && now - t.At >= grace).ToList();
        return old.Count == 0
            ? null
            : Stamp(new BlobIndexChange { At = now, Pruned = [.. old.Select(t => t.Sha256)], PruneFloor = Math.Max(PruneFloor, old.Max(t => t.Collection)) });
    }

    /// <summary>Marks a change that carries garbage-collection state with the schema the previous build refuses.</summary>
    public static BlobIndexChange Stamp(BlobIndexChange change)
    {
        change.SchemaVersion = change.HasCollectionState ? BlobIndexChange.CurrentSchemaVersion : BlobIndexChange.AddOnlySchemaVersion;
        return change;
    }

    public static byte[] EncodeChange(BlobIndexChange change) =>
        JsonSerializer.SerializeToUtf8Bytes(change, BlobIndexJson.Default.BlobIndexChange);

    public static BlobIndexChange DecodeChange(ReadOnlySpan<byte> utf8Json)
    {
        var change = JsonSerializer.Deserialize(utf8Json, BlobIndexJson.Default.BlobIndexChange)
            ?? throw new InvalidDataException("A blob index journal entry was empty.");
        return change.SchemaVersion > BlobIndexChange.CurrentSchemaVersion
            ? throw new InvalidDataException($"Blob index entry schema {change.SchemaVersion} is newer than this build understands.")
            : change;
    }

    public byte[] EncodeSnapshot()
    {
        var hasCollectionState = _marks.Count > 0 || _tombstones.Count > 0 || Counter > 0 || PruneFloor > 0;
        var snapshot = new BlobIndexSnapshot { Blobs = [.. _blobs.Values.OrderBy(b => b.Sha256, StringComparer.Ordinal)] };
        if (hasCollectionState)
        {
            snapshot.SchemaVersion = BlobIndexSnapshot.CurrentSchemaVersion;
            snapshot.Marked = [.. _marks.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new BlobIndexMark { Sha256 = m.Key, Since = m.Value })];
            snapshot.Tombstones = [.. _tombstones.Values.OrderBy(t => t.Sha256, StringComparer.Ordinal)];
            snapshot.Counter = Counter;
            snapshot.PruneFloor = PruneFloor;
        }

        return JsonSerializer.SerializeToUtf8Bytes(snapshot, BlobIndexJson.Default.BlobIndexSnapshot);
    }

    public static BlobIndexLedger DecodeSnapshot(ReadOnlySpan<byte> utf8Json)
    {
        var snapshot = JsonSerializer.Deserialize(utf8Json, BlobIndexJson.Default.BlobIndexSnapshot)
            ?? throw new InvalidDataException("A blob index snapshot was empty.");
        if (snapshot.SchemaVersion > BlobIndexSnapshot.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Blob index snapshot schema {snapshot.SchemaVersion} is newer than this build understands.");
        }

        var ledger = new BlobIndexLedger
        {
            Counter = snapshot.Counter ?? 0,
            PruneFloor = snapshot.PruneFloor ?? 0,
        };
        foreach (var blob in snapshot.Blobs)
        {
            ledger._blobs.TryAdd(blob.Sha256, blob);
        }

        foreach (var mark in snapshot.Marked ?? [])
        {
            ledger._marks.TryAdd(mark.Sha256, mark.Since);
        }

        foreach (var tombstone in snapshot.Tombstones ?? [])
        {
            ledger._tombstones[tombstone.Sha256] = tombstone;
        }

        return ledger;
    }
}
