using System.IO.Compression;
using System.Text.Json;
using DeviceSync.Grains.Journaling;

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

    public static byte[] EncodeSnapshot(CollectionLedger ledger) => EncodeSnapshotAndSize(ledger).Payload;

    /// <summary>The snapshot (gzip of its JSON) and the JSON's length, which is what the journal's entries (uncompressed
    /// JSON) are measured against when the next snapshot is due.</summary>
    public static EncodedState EncodeSnapshotAndSize(CollectionLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var snapshot = CollectionSnapshot.Of(ledger);
        using var output = new MemoryStream();
        long jsonBytes;
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var counted = new CountingStream(gzip))
        {
            JsonSerializer.Serialize(counted, snapshot, SyncJsonContext.Default.CollectionSnapshot);
            jsonBytes = counted.BytesWritten;
        }

        return new EncodedState(output.ToArray(), jsonBytes);
    }

    public static CollectionLedger DecodeSnapshot(ReadOnlySpan<byte> bytes, SyncPolicy policy) => DecodeSnapshot(bytes, policy, out _);

    /// <param name="jsonBytes">the snapshot's uncompressed JSON length (see <see cref="EncodeSnapshotAndSize"/>)</param>
    public static CollectionLedger DecodeSnapshot(ReadOnlySpan<byte> bytes, SyncPolicy policy, out long jsonBytes)
    {
        ArgumentNullException.ThrowIfNull(policy);
        CollectionSnapshot? snapshot;
        try
        {
            using var input = new MemoryStream(bytes.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var counted = new CountingStream(gzip);
            snapshot = JsonSerializer.Deserialize(counted, SyncJsonContext.Default.CollectionSnapshot);
            jsonBytes = counted.BytesRead;
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
