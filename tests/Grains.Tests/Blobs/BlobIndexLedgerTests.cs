using System.Text;
using DeviceSync.Grains.Blobs;

namespace DeviceSync.Grains.Tests.Blobs;

/// <summary>The blob index's persisted form: replay, snapshots, the first record winning, and a newer schema refused.</summary>
public sealed class BlobIndexLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Changes_replay_to_the_same_index_as_its_snapshot_and_the_first_record_of_a_hash_wins()
    {
        var ledger = new BlobIndexLedger();
        var first = Change(new string('a', 64), "image/jpeg", T0);
        var again = Change(new string('a', 64), "image/png", T0.AddHours(1));
        var other = Change(new string('b', 64), "application/pdf", T0.AddHours(2));
        foreach (var change in new[] { first, again, other })
        {
            ledger.Apply(BlobIndexLedger.DecodeChange(BlobIndexLedger.EncodeChange(change)));
        }

        var restored = BlobIndexLedger.DecodeSnapshot(ledger.EncodeSnapshot());

        Assert.Equal(2, restored.Count);
        Assert.Equal("image/jpeg", restored.Find(new string('a', 64))!.ContentType);
        Assert.Equal(T0, restored.Find(new string('a', 64))!.UploadedAt);
        Assert.Equal(100, restored.Find(new string('b', 64))!.Length);
        Assert.Null(restored.Find(new string('c', 64)));
    }

    [Fact]
    public void The_persisted_names_are_stable_and_a_newer_schema_is_refused()
    {
        var json = Encoding.UTF8.GetString(BlobIndexLedger.EncodeChange(Change(new string('a', 64), "image/jpeg", T0)));
        Assert.Equal($$"""{"v":1,"added":[{"sha256":"{{new string('a', 64)}}","type":"image/jpeg","length":100,"uploaded":"2026-11-26T10:00:00+00:00"}]}""", json);
        Assert.Throws<InvalidDataException>(() => BlobIndexLedger.DecodeChange("""{"v":3,"added":[]}"""u8));
        Assert.Throws<InvalidDataException>(() => BlobIndexLedger.DecodeSnapshot("""{"v":3,"blobs":[]}"""u8));
    }

    private static BlobIndexChange Change(string sha256, string type, DateTimeOffset at) =>
        new() { Added = [new BlobIndexEntry { Sha256 = sha256, ContentType = type, Length = 100, UploadedAt = at }] };
}
