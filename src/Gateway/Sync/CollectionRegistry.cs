using System.Collections.Concurrent;
using DeviceSync.Contracts;
using DeviceSync.Gateway.Cluster;

namespace DeviceSync.Gateway.Sync;

/// <summary>
/// Tells the account grain which collections an account writes to (for account-wide conflict listings), once
/// per collection per gateway process rather than on every sync. The call is idempotent, so forgetting (a
/// restart, or the bound below) only costs one more call.
/// </summary>
public sealed class CollectionRegistry(GrainCalls calls)
{
    private const int MaxRemembered = 500_000;
    private readonly ConcurrentDictionary<string, bool> _noted = new(StringComparer.Ordinal);

    public async Task EnsureNotedAsync(string accountId, string collection, CancellationToken cancellationToken)
    {
        var key = CollectionKey.Format(accountId, collection);
        if (_noted.ContainsKey(key))
        {
            return;
        }

        await calls.OnAccountAsync("Account.NoteCollection", accountId, a => a.NoteCollectionAsync(collection), cancellationToken);
        if (_noted.Count >= MaxRemembered)
        {
            _noted.Clear();
        }

        _noted[key] = true;
    }
}
