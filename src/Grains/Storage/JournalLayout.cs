using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Where one stream's rows live in a replica's journal table: the table, the partition and the row key of each sequence.
/// Every table request of <see cref="JournalReplica"/> addresses rows through this, so the rest of the storage code
/// only ever sees the escaped stream key and sequences.
/// <list type="bullet">
/// <item>Layout 1 (the default): table <c>{prefix}journal</c>, PartitionKey = the escaped stream key, RowKey = the sequence (D19).</item>
/// <item>Layout 2 (<c>Storage:GroupCommit:Enabled</c>, docs/adr/0010-group-commit.md): table <c>{prefix}journal2</c>,
/// PartitionKey = <c>s{NN}</c> with NN = SHA-256(escaped key) mod S, RowKey = <c>{escaped key}!{sequence:D19}</c>, so
/// streams of one shard can share an entity-group transaction. <c>!</c> is never produced by <see cref="StreamKeyEncoding"/>,
/// so one stream's rows are exactly the range <c>[key!, key")</c>.</item>
/// </list>
/// Layout 2 has a table of its own so that no build that knows only layout 1 ever reads its rows as streams, and so that
/// the migration (ADR 0010, "Migration") can read both tables side by side.
/// </summary>
internal sealed class JournalLayout
{
    /// <summary>The most shards layout 2 allows (partition keys <c>s00</c>…<c>s99</c>).</summary>
    public const int MaxShards = 100;

    private const char Separator = '!';
    private const char AfterSeparator = '"';

    private JournalLayout(int version, int shards)
    {
        Version = version;
        Shards = shards;
    }

    public static JournalLayout PerStream { get; } = new(1, 0);

    public static JournalLayout Sharded(int shards) =>
        shards is >= 1 and <= MaxShards ? new(2, shards) : throw new ArgumentOutOfRangeException(nameof(shards), shards, $"1-{MaxShards} shards.");

    public static JournalLayout For(ReplicationOptions options) =>
        options.GroupCommit.Enabled ? Sharded(options.GroupCommit.Shards) : PerStream;

    /// <summary>1 or 2.</summary>
    public int Version { get; }

    /// <summary>S for layout 2; 0 for layout 1.</summary>
    public int Shards { get; }

    public bool IsSharded => Version == 2;

    public string TableName(string prefix) => IsSharded ? JournalNames.ShardedTableName(prefix) : JournalNames.TableName(prefix);

    /// <summary>The table of the other layout under the same prefix: a replica holding a journal there refuses this layout.</summary>
    public string OtherTableName(string prefix) => IsSharded ? JournalNames.TableName(prefix) : JournalNames.ShardedTableName(prefix);

    /// <summary>The shard of a stream (layout 2): the first 8 bytes of SHA-256 of its escaped key, big-endian, mod S.</summary>
    public int Shard(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)Shards);
    }

    public string Partition(string key) => IsSharded ? "s" + Shard(key).ToString("D2", CultureInfo.InvariantCulture) : key;

    public string Row(string key, long sequence) => IsSharded ? key + Separator + JournalNames.RowKey(sequence) : JournalNames.RowKey(sequence);

    /// <summary>All of one stream's rows (genesis included).</summary>
    public string StreamFilter(string key) =>
        IsSharded
            ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition(key)} and RowKey ge {key + Separator} and RowKey lt {key + AfterSeparator}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {key}");

    /// <summary>One stream's rows from <paramref name="from"/> through <paramref name="through"/>, both inclusive.</summary>
    public string RangeFilter(string key, long from, long through) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {Partition(key)} and RowKey ge {Row(key, from)} and RowKey le {Row(key, through)}");

    /// <summary>The stream and sequence (0 = genesis) of a row; false for rows that are not journal rows (the marker).</summary>
    public bool TryParse(string partitionKey, string rowKey, out string key, out long sequence)
    {
        key = partitionKey;
        sequence = 0;
        if (partitionKey == JournalReplica.MarkerPartition)
        {
            return false;
        }

        if (!IsSharded)
        {
            return long.TryParse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
        }

        var split = rowKey.LastIndexOf(Separator);
        if (split <= 0)
        {
            return false;
        }

        key = rowKey[..split];
        return long.TryParse(rowKey.AsSpan(split + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    /// <summary>Same layout and shard count (the replica's rows are addressed the same way).</summary>
    public bool Matches(JournalLayout other) => Version == other.Version && Shards == other.Shards;

    public override string ToString() => IsSharded ? $"layout 2 ({Shards} shards)" : "layout 1";
}
