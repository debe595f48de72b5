using System.IO.Compression;
using System.Text.Json;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// The persisted forms of the sync state: a journal entry as UTF-8 JSON, a snapshot as gzip'd UTF-8 JSON. Both carry a
/// schema version; a reader refuses a version it does not know rather than guessing at it.
/// </summary>
public static class CollectionCodec
{
    public static byte[] EncodeChange(CollectionChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return JsonSerializer.SerializeToUtf8Bytes(change, SyncJsonContext.Default.CollectionChange);
    }

    public static CollectionChange DecodeChange(ReadOnlySpan<byte> utf8Json)
    {
        CollectionChange? change;
        try
        {
            change = JsonSerializer.Deserialize(utf8Json, SyncJsonContext.Default.CollectionChange);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The journal entry is not a valid collection change.", e);
        }

        if (change is null)
        {
            throw new InvalidDataException("The journal entry is empty.");
        }

        if (change.SchemaVersion < 1 || change.SchemaVersion > CollectionChange.MaxSchemaVersion)
        {
            throw new NotSupportedException($"Journal entry schema {change.SchemaVersion} is not supported.");
        }

        return change;
    }

    public static byte[] EncodeSnapshot(CollectionLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var snapshot = CollectionSnapshot.Of(ledger);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, snapshot, SyncJsonContext.Default.CollectionSnapshot);
        }

        return output.ToArray();
    }

    public static CollectionLedger DecodeSnapshot(ReadOnlySpan<byte> bytes, SyncPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        CollectionSnapshot? snapshot;
        try
        {
            using var input = new MemoryStream(bytes.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            snapshot = JsonSerializer.Deserialize(gzip, SyncJsonContext.Default.CollectionSnapshot);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException("The bytes are not a valid collection snapshot.", e);
        }

        if (snapshot is null)
        {
            throw new InvalidDataException("The collection snapshot is empty.");
        }

        if (snapshot.SchemaVersion != CollectionSnapshot.CurrentSchemaVersion)
        {
            throw new NotSupportedException($"Collection snapshot schema {snapshot.SchemaVersion} is not supported.");
        }

        return CollectionLedger.FromSnapshot(snapshot, policy);
    }
}
