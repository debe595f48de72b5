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
    private readonly List<CheckerFinding> _appliedTwice = [];

    public string AccountId => accountId;

    /// <summary>A <c>200</c> said <c>applied</c> at <paramref name="version"/>.</summary>
    public void Acknowledge(string itemId, long version, bool deleted, TaggedItemData? data, string tag)
    {
        lock (_lock)
        {
            if (!_acknowledged.TryGetValue(itemId, out var known) || version > known.Version)
            {
                _acknowledged[itemId] = new ExpectedItem(version, deleted, data, tag);
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
            if (!_tagVersions.TryGetValue(tag, out var seen))
            {
                _tagVersions[tag] = (version, itemId);
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

    /// <summary>Deletes carry no data, so an in-doubt delete is recorded under this tag.</summary>
    public static string DeleteTag(string tag) => "delete:" + tag;
}
