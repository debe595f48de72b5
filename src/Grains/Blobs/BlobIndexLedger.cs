using System.Text.Json;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// The materialised blob index of one account, rebuilt from its snapshot and journal. Plain class: the grain decides
/// when to persist. The first record of a hash wins (its content type and upload time), so replaying a resent add is harmless.
/// </summary>
public sealed class BlobIndexLedger
{
    private readonly Dictionary<string, BlobIndexEntry> _blobs = new(StringComparer.Ordinal);

    public int Count => _blobs.Count;

    public IEnumerable<BlobIndexEntry> Blobs => _blobs.Values;

    public BlobIndexEntry? Find(string sha256) => _blobs.GetValueOrDefault(sha256);

    public void Apply(BlobIndexChange change)
    {
        foreach (var blob in change.Added ?? [])
        {
            _blobs.TryAdd(blob.Sha256, blob);
        }
    }

    public static byte[] EncodeChange(BlobIndexChange change) =>
        JsonSerializer.SerializeToUtf8Bytes(change, BlobIndexJson.Default.BlobIndexChange);

    public static BlobIndexChange DecodeChange(ReadOnlySpan<byte> utf8Json)
    {
        var change = JsonSerializer.Deserialize(utf8Json, BlobIndexJson.Default.BlobIndexChange)
            ?? throw new InvalidDataException("A blob index journal entry was empty.");
        return change.SchemaVersion > BlobIndexChange.CurrentSchemaVersion
            ? throw new InvalidDataException($"Blob index entry schema {change.SchemaVersion} is newer than this build understands.")
            : change;
    }

    public byte[] EncodeSnapshot() => JsonSerializer.SerializeToUtf8Bytes(
        new BlobIndexSnapshot { Blobs = [.. _blobs.Values.OrderBy(b => b.Sha256, StringComparer.Ordinal)] },
        BlobIndexJson.Default.BlobIndexSnapshot);

    public static BlobIndexLedger DecodeSnapshot(ReadOnlySpan<byte> utf8Json)
    {
        var snapshot = JsonSerializer.Deserialize(utf8Json, BlobIndexJson.Default.BlobIndexSnapshot)
            ?? throw new InvalidDataException("A blob index snapshot was empty.");
        if (snapshot.SchemaVersion > BlobIndexSnapshot.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Blob index snapshot schema {snapshot.SchemaVersion} is newer than this build understands.");
        }

        var ledger = new BlobIndexLedger();
        foreach (var blob in snapshot.Blobs)
        {
            ledger._blobs.TryAdd(blob.Sha256, blob);
        }

        return ledger;
    }
}
