using DeviceSync.Contracts;
using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Blobs;
using DeviceSync.Grains.Collections;
using DeviceSync.Grains.Storage;

namespace DeviceSync.Grains.Journaling;

/// <summary>Which grain writes a stream (the inverse of <see cref="JournalStreams"/>), and repair through it.</summary>
public static class JournalOwners
{
    private const string CollectionPrefix = "collection/";
    private const string AccountPrefix = "account/";
    private const string BlobIndexPrefix = "blobs/";

    /// <summary>
    /// Repairs <paramref name="streamKey"/> through the grain that writes it. A key no grain writes (none in a silo; tests
    /// use such keys) has no writer to race, and is repaired by the store directly.
    /// </summary>
    public static Task<JournalRepairResult> RepairAsync(IGrainFactory grains, IJournalStore store, string streamKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(streamKey);
        if (streamKey.StartsWith(CollectionPrefix, StringComparison.Ordinal))
        {
            var key = streamKey[CollectionPrefix.Length..];
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && slash < key.Length - 1)
            {
                return grains.GetGrain<IJournalOwnerGrain>(key, typeof(CollectionGrain).FullName).RepairJournalAsync();
            }
        }
        else if (streamKey.StartsWith(AccountPrefix, StringComparison.Ordinal) && streamKey.Length > AccountPrefix.Length)
        {
            return grains.GetGrain<IJournalOwnerGrain>(streamKey[AccountPrefix.Length..], typeof(AccountGrain).FullName).RepairJournalAsync();
        }

        else if (streamKey.StartsWith(BlobIndexPrefix, StringComparison.Ordinal) && streamKey.Length > BlobIndexPrefix.Length)
        {
            return grains.GetGrain<IJournalOwnerGrain>(streamKey[BlobIndexPrefix.Length..], typeof(BlobIndexGrain).FullName).RepairJournalAsync();
        }

        return store.RepairAsync(streamKey, cancellationToken);
    }
}
