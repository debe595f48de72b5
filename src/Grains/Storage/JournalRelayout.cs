using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Moves one storage replica to another journal layout by emptying it (<c>ops relayout</c>; docs/adr/0010-group-commit.md,
/// "Migration"). The running silos then do what they do for any replica that lost its data: the first to notice marks it
/// unhealed (it counts toward no quorum), rebuilds its table in the recorded layout, and the sweeper refills it from the
/// others and marks it healthy. So a layout change is the heal path every replica loss already takes, one replica at a
/// time, with nothing read from two tables at once.
/// </summary>
public static class JournalRelayout
{
    /// <summary>How <see cref="ReadLayoutAsync"/> names the layout of <paramref name="shards"/> (0: layout 1).</summary>
    public static string Describe(int shards) => (shards == 0 ? JournalLayout.PerStream : JournalLayout.Sharded(shards)).ToString();

    /// <summary>What the replica records: "layout 1", "layout 2 (16 shards)", or null when it records nothing yet.</summary>
    public static async Task<string?> ReadLayoutAsync(string connectionString, string tablePrefix, CancellationToken cancellationToken = default)
    {
        var blobs = new BlobServiceClient(connectionString);
        var layout = await JournalLayoutRecord.ReadAsync(blobs.GetBlobContainerClient(JournalLayoutRecord.ContainerName(tablePrefix)), cancellationToken)
            .ConfigureAwait(false);
        return layout?.ToString();
    }

    /// <summary>
    /// Records <paramref name="shards"/> (0: layout 1, the per-stream table; 1–100: layout 2 with that many shards) as the
    /// replica's layout, then deletes its journal: both layouts' tables and the journal's blob container (snapshots,
    /// large payloads). Nothing else on the storage account is touched (the cluster's membership table, the gateway's
    /// blob replicas). The record goes first, so every silo that finds the journal gone rebuilds it in the new layout.
    /// </summary>
    /// <param name="settle">How long a silo that read the old record just before it was replaced may take to create the
    /// old layout's table again (its request is bounded by <c>Storage:ReplicaTimeout</c>); after it, the old table is
    /// deleted once more, so no silo can go on writing there. Default: twice the default replica timeout, plus a second.</param>
    /// <returns>The layout now recorded, as <see cref="ReadLayoutAsync"/> says it.</returns>
    public static async Task<string> EmptyIntoAsync(
        string connectionString, string tablePrefix, int shards, TimeSpan? settle = null, CancellationToken cancellationToken = default)
    {
        var layout = shards == 0 ? JournalLayout.PerStream : JournalLayout.Sharded(shards);
        var blobs = new BlobServiceClient(connectionString);
        var tables = new TableServiceClient(connectionString);
        await JournalLayoutRecord.ReplaceAsync(blobs.GetBlobContainerClient(JournalLayoutRecord.ContainerName(tablePrefix)), layout, cancellationToken)
            .ConfigureAwait(false);
        foreach (var table in new[] { JournalNames.TableName(tablePrefix), JournalNames.ShardedTableName(tablePrefix) })
        {
            await IgnoreMissingAsync(() => tables.DeleteTableAsync(table, cancellationToken)).ConfigureAwait(false);
        }

        await IgnoreMissingAsync(() => blobs.GetBlobContainerClient(JournalNames.ContainerName(tablePrefix)).DeleteIfExistsAsync(cancellationToken: cancellationToken))
            .ConfigureAwait(false);

        // Silos re-create the new layout's table and the container (that is the point); the other layout's table only a
        // silo that read the old record before it was replaced would, and it then reads the record again on its next loss.
        await Task.Delay(settle ?? (2 * new ReplicationOptions().ReplicaTimeout) + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        await IgnoreMissingAsync(() => tables.DeleteTableAsync(layout.OtherTableName(tablePrefix), cancellationToken)).ConfigureAwait(false);
        return layout.ToString();
    }

    private static async Task IgnoreMissingAsync(Func<Task> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }
}
