using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.LoadTest.Workloads;

/// <summary>Pages through a whole collection from <c>cursor: null</c>, as a new device does.</summary>
public static class CollectionReader
{
    private const int MaxRetries = 5;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns itemId → version of every live item, or null when a page failed.</summary>
    public static async Task<Dictionary<string, long>?> ReadAllAsync(
        WorkloadContext context, Device device, string collection, int page, WorkerStats stats, CancellationToken ct)
    {
        var items = new Dictionary<string, long>(StringComparer.Ordinal);
        string? cursor = null;
        var failures = 0;
        while (true)
        {
            var request = new SyncRequest([new CollectionSync { Name = collection, Cursor = cursor, Limit = page }]);
            var call = await context.Client.SyncAsync(device.Token, request, ct);
            if (!call.Succeeded)
            {
                // A 503 says retrying is safe; a few retries keep one hiccup from failing a whole check.
                stats.RecordError(call.ErrorKey);
                if (++failures > MaxRetries || !call.IsServerFailure)
                {
                    return null;
                }

                await Task.Delay(RetryDelay, ct);
                continue;
            }

            var result = call.Body!.Collections.SingleOrDefault(c => c.Name == collection);
            if (result is null || result.Resync is not null)
            {
                stats.RecordSuccess(call.Elapsed, 0);
                return null;
            }

            foreach (var row in result.Changes)
            {
                if (row.Deleted)
                {
                    items.Remove(row.ItemId);
                }
                else
                {
                    items[row.ItemId] = row.Version;
                }
            }

            stats.RecordSuccess(call.Elapsed, result.Changes.Count);
            if (!result.HasMore)
            {
                return items;
            }

            cursor = result.Cursor;
        }
    }
}
