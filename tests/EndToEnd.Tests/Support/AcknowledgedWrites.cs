using System.Collections.Concurrent;
using System.Text.Json;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>
/// Every write the server acknowledged (<c>applied</c>, or <c>duplicate</c> of a resend), per account and collection,
/// with the version it was acknowledged at; and the check that all of them read back from a fresh device.
/// </summary>
public sealed class AcknowledgedWrites
{
    private readonly ConcurrentDictionary<(string AccountId, string Collection), ConcurrentDictionary<string, long>> _writes = new();

    public int Count => _writes.Values.Sum(w => w.Count);

    public void Add(string accountId, string collection, string itemId, long version) =>
        _writes.GetOrAdd((accountId, collection), _ => new ConcurrentDictionary<string, long>(StringComparer.Ordinal))[itemId] = version;

    /// <summary>
    /// Records the results of one 200 answer for puts of new items (<c>mutationId → itemId</c>); returns problems
    /// (any status but applied/duplicate, or a missing result) as messages.
    /// </summary>
    public List<string> Record(string accountId, JsonElement collectionPart, IReadOnlyDictionary<long, string> itemsByMutation)
    {
        var problems = new List<string>();
        var collection = collectionPart.GetProperty("name").GetString()!;
        var seen = new HashSet<long>();
        foreach (var result in collectionPart.GetProperty("results").EnumerateArray())
        {
            var id = result.GetProperty("id").GetInt64();
            seen.Add(id);
            var status = result.GetProperty("status").GetString();
            if (!itemsByMutation.TryGetValue(id, out var itemId))
            {
                problems.Add($"{accountId}: result for unknown mutation {id}");
            }
            else if (status is "applied" or "duplicate" && result.GetProperty("version").GetInt64() > 0)
            {
                Add(accountId, collection, itemId, result.GetProperty("version").GetInt64());
            }
            else
            {
                problems.Add($"{accountId}/{collection}: mutation {id} ({itemId}) answered {result}");
            }
        }

        problems.AddRange(itemsByMutation.Keys.Where(id => !seen.Contains(id)).Select(id => $"{accountId}: no result for mutation {id}"));
        return problems;
    }

    /// <summary>
    /// Reads every collection back from <c>cursor: null</c> with a fresh device of each account and asserts each
    /// acknowledged item is there, not deleted, at its acknowledged version; and, since the tests resend every
    /// request until it is acknowledged, that the collection holds nothing else and no two items share a version
    /// (a mutation applied twice would show up as an extra version or a conflict).
    /// </summary>
    public async Task AssertAllReadBackAsync(E2eClient client)
    {
        Assert.True(Count > 0, "nothing was acknowledged: the test proved nothing");
        var lost = new List<string>();
        foreach (var accountId in _writes.Keys.Select(k => k.AccountId).Distinct())
        {
            var fresh = await client.AddDeviceAsync(accountId);
            foreach (var ((account, collection), writes) in _writes.Where(w => w.Key.AccountId == accountId))
            {
                var items = await client.PullAllAsync(fresh, collection);
                lost.AddRange(items.Keys.Where(i => !writes.ContainsKey(i)).Select(i => $"{account}/{collection}/{i}: present but never acknowledged"));
                lost.AddRange(items.GroupBy(i => i.Value.Version).Where(g => g.Count() > 1).Select(g => $"{account}/{collection}: version {g.Key} held by {string.Join(", ", g.Select(i => i.Key))}"));
                foreach (var (itemId, version) in writes)
                {
                    if (!items.TryGetValue(itemId, out var item))
                    {
                        lost.Add($"{account}/{collection}/{itemId}@{version}: missing");
                    }
                    else if (item.Deleted || item.Version != version)
                    {
                        lost.Add($"{account}/{collection}/{itemId}@{version}: read back as version {item.Version}{(item.Deleted ? " (deleted)" : "")}");
                    }
                }
            }
        }

        Assert.True(lost.Count == 0, $"{lost.Count} of {Count} acknowledged writes were not read back as acknowledged:\n{string.Join('\n', lost.Take(50))}");
    }
}
