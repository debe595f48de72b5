using System.Globalization;

namespace DeviceSync.Grains.Storage;

/// <summary>Row keys and blob names of one stream (its PartitionKey is <see cref="StreamKeyEncoding.Encode"/>).</summary>
internal static class JournalNames
{
    public static string RowKey(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);

    public static bool TryParseRowKey(string rowKey, out long sequence) =>
        long.TryParse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && sequence > 0;

    public static string TableName(string prefix) => prefix + "journal";

    /// <summary>The journal table of layout 2 (group commit's shard partitions; <see cref="JournalLayout"/>).</summary>
    public static string ShardedTableName(string prefix) => prefix + "journal2";

    public static string ContainerName(string prefix) => prefix.ToLowerInvariant() + "-journal";

    public static string SnapshotPrefix(string partitionKey) => "snapshots/" + partitionKey + "/";

    public static string Snapshot(string partitionKey, long sequence) => SnapshotPrefix(partitionKey) + RowKey(sequence);

    /// <summary>A large payload's blob: per stream and sequence, named by its content hash.</summary>
    public static string Payload(string partitionKey, long sequence, ReadOnlySpan<byte> payloadHash) =>
        "payloads/" + partitionKey + "/" + RowKey(sequence) + "/" + Convert.ToHexStringLower(payloadHash);
}
