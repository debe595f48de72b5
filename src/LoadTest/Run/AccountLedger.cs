using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// What the simulated devices of one account believe the server holds: per item, the acknowledged write with
/// the highest version (versions only grow within a collection, so that is the latest), plus the writes whose
/// outcome no device learned (given up after retries, or answered <c>duplicate</c> on a resend), which the
/// server may or may not have applied. Also every version each write tag was seen at, to catch a mutation
/// applied twice. Devices of the account update it concurrently, so every member locks.
/// </summary>
public sealed class AccountLedger(string accountId)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ExpectedItem> _acknowledged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _inDoubt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Version, string ItemId)> _tagVersions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tagOrigins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _heldAtResync = new(StringComparer.Ordinal);
    private readonly List<CheckerFinding> _appliedTwice = [];
    private long _acknowledgements;
    private long _lastResyncAt = -1;

    public string AccountId => accountId;

    /// <summary>
    /// A <c>200</c> said <c>applied</c> at <paramref name="version"/>. For a <c>restore</c> (<paramref name="handedBack"/>)
    /// the write keeps its place in the item's history: the version its tag was first seen at (an edit that was never
    /// applied before is new here).
    /// </summary>
    public void Acknowledge(string itemId, long version, bool deleted, TaggedItemData? data, string tag, bool handedBack = false)
    {
        lock (_lock)
        {
            var origin = handedBack && _tagOrigins.TryGetValue(tag, out var first) ? first : version;
            var write = new ExpectedItem(version, deleted, data, tag) { Origin = origin, AcknowledgedAt = ++_acknowledgements };
            if (!_acknowledged.TryGetValue(itemId, out var known) || (write.Origin, write.Version).CompareTo((known.Origin, known.Version)) > 0)
            {
                _acknowledged[itemId] = write;
            }

            // A write first answered 'duplicate' and then seen in the changes is no longer in doubt.
            if (_inDoubt.TryGetValue(itemId, out var tags))
            {
                tags.Remove(tag);
            }
        }

        if (!deleted)
        {
            Observe(itemId, tag, version, "an applied result");
        }
    }

    /// <summary>A write that may or may not have been applied (no answer in time, or <c>duplicate</c> on a resend).</summary>
    public void MarkInDoubt(string itemId, string tag)
    {
        lock (_lock)
        {
            if (!_inDoubt.TryGetValue(itemId, out var tags))
            {
                _inDoubt[itemId] = tags = new HashSet<string>(StringComparer.Ordinal);
            }

            tags.Add(tag);
        }
    }

    /// <summary>The server showed <paramref name="tag"/>'s data at <paramref name="version"/>; a second version for one tag means it was applied twice.</summary>
    public void Observe(string itemId, string tag, long version, string where)
    {
        lock (_lock)
        {
            _tagOrigins.TryAdd(tag, version);
            if (!_tagVersions.TryGetValue(tag, out var seen))
            {
                _tagVersions[tag] = (version, itemId);
            }
            else if (seen.Version != version && VersionEpochs.Of(seen.Version) != VersionEpochs.Of(version))
            {
                // Handed back after a data loss: the same write, given a version of the new epoch. Not applied twice.
                _tagVersions[tag] = (Math.Max(seen.Version, version), itemId);
            }
            else if (seen.Version != version)
            {
                _appliedTwice.Add(new CheckerFinding(
                    CheckerFindingKind.AppliedTwice, accountId, itemId,
                    $"mutation {tag} at version {seen.Version}",
                    $"the same mutation at version {version} too ({where})"));
                _tagVersions[tag] = (Math.Max(seen.Version, version), itemId);
            }
        }
    }

    public IReadOnlyDictionary<string, ExpectedItem> Acknowledged
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, ExpectedItem>(_acknowledged, StringComparer.Ordinal);
            }
        }
    }

    public bool IsInDoubt(string itemId, string tag)
    {
        lock (_lock)
        {
            return _inDoubt.TryGetValue(itemId, out var tags) && tags.Contains(tag);
        }
    }

    /// <summary>Whether some delete of the item may have been applied without a device learning it.</summary>
    public bool HasInDoubtDelete(string itemId)
    {
        lock (_lock)
        {
            return _inDoubt.TryGetValue(itemId, out var tags) && tags.Any(t => t.StartsWith("delete:", StringComparison.Ordinal));
        }
    }

    public int InDoubtCount
    {
        get
        {
            lock (_lock)
            {
                return _inDoubt.Values.Sum(t => t.Count);
            }
        }
    }

    public IReadOnlyList<CheckerFinding> AppliedTwice
    {
        get
        {
            lock (_lock)
            {
                return [.. _appliedTwice];
            }
        }
    }

    /// <summary>The version <paramref name="tag"/>'s write was first seen at; null if it never was.</summary>
    public long? OriginOf(string tag)
    {
        lock (_lock)
        {
            return _tagOrigins.TryGetValue(tag, out var origin) ? origin : null;
        }
    }

    /// <summary>
    /// When a device was told to resync (server-behind, epoch-changed), it held <paramref name="itemId"/>'s write
    /// <paramref name="tag"/> (its data, or <see cref="DeleteTag"/> of a tombstone). The checker tells what no device
    /// held at the loss (unrecoverable) from what a device held and the recovery still missed.
    /// </summary>
    public void NoteHeldAtResync(string itemId, string tag)
    {
        lock (_lock)
        {
            if (!_heldAtResync.TryGetValue(itemId, out var tags))
            {
                _heldAtResync[itemId] = tags = new HashSet<string>(StringComparer.Ordinal);
            }

            tags.Add(tag);
        }
    }

    /// <summary>Whether any device held <paramref name="tag"/> of the item when it was told to resync.</summary>
    public bool WasHeldAtResync(string itemId, string tag)
    {
        lock (_lock)
        {
            return _heldAtResync.TryGetValue(itemId, out var tags) && tags.Contains(tag);
        }
    }

    /// <summary>Whether a device of the account was told to resync after <paramref name="write"/> was acknowledged.</summary>
    public bool ResyncAfter(ExpectedItem write)
    {
        lock (_lock)
        {
            return _lastResyncAt >= write.AcknowledgedAt;
        }
    }

    /// <summary>A device of the account was told to resync (server-behind, epoch-changed): the server lost data.</summary>
    public void NoteResync()
    {
        lock (_lock)
        {
            _lastResyncAt = _acknowledgements;
        }
    }

    /// <summary>A tombstone a device holds, named by its version (a delete's data carries no tag).</summary>
    public static string TombstoneTag(long version) => "tombstone:" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Deletes carry no data, so an in-doubt delete is recorded under this tag.</summary>
    public static string DeleteTag(string tag) => "delete:" + tag;
}
