using DeviceSync.Grains.Storage;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// The row keys of both journal layouts, pinned: storage outlives every build (docs/adr/0002-persisted-format.md), so
/// a change to how a stream's rows are addressed, or to which shard a stream hashes, must fail here first.
/// </summary>
public sealed class JournalLayoutTests
{
    private const string Key = "collection~2Facct-1~2Fnotes"; // StreamKeyEncoding.Encode("collection/acct-1/notes")

    [Fact]
    public void Layout_1_rows_are_the_stream_partition_and_the_sequence()
    {
        var layout = JournalLayout.PerStream;
        Assert.Equal(Key, StreamKeyEncoding.Encode("collection/acct-1/notes"));
        Assert.Equal("devicesyncjournal", layout.TableName("devicesync"));
        Assert.Equal(Key, layout.Partition(Key));
        Assert.Equal("0000000000000000007", layout.Row(Key, 7));
        Assert.Equal("0000000000000000000", layout.Row(Key, 0));
        Assert.True(layout.TryParse(Key, "0000000000000000007", out var key, out var sequence));
        Assert.Equal((Key, 7L), (key, sequence));
    }

    [Fact]
    public void Layout_2_rows_are_the_shard_partition_and_the_key_with_the_sequence()
    {
        var layout = JournalLayout.Sharded(16);
        Assert.Equal("devicesyncjournal2", layout.TableName("devicesync"));
        Assert.Equal("s14", layout.Partition(Key)); // first 8 bytes of SHA-256 of the escaped key, big-endian, mod 16
        Assert.Equal("s14", JournalLayout.Sharded(32).Partition(Key));
        Assert.Equal(Key + "!0000000000000000007", layout.Row(Key, 7));
        Assert.Equal(Key + "!0000000000000000000", layout.Row(Key, 0)); // the genesis row
        Assert.True(layout.TryParse("s14", Key + "!0000000000000000007", out var key, out var sequence));
        Assert.Equal((Key, 7L), (key, sequence));
        Assert.False(layout.TryParse(JournalReplica.MarkerPartition, JournalReplica.MarkerRow, out _, out _));
        Assert.Equal(
            "PartitionKey eq 's14' and RowKey ge 'collection~2Facct-1~2Fnotes!' and RowKey lt 'collection~2Facct-1~2Fnotes\"'",
            layout.StreamFilter(Key));
    }

    [Fact]
    public void A_streams_range_in_layout_2_holds_exactly_its_rows()
    {
        // One stream's key is a prefix of another's: '!' sorts below every character the key encoding produces, so the
        // ranges [key!, key") do not overlap.
        var layout = JournalLayout.Sharded(16);
        var shorter = layout.Row("abc", 1);
        var longer = layout.Row("abc-d", 1);
        Assert.True(string.CompareOrdinal(shorter, "abc!") >= 0 && string.CompareOrdinal(shorter, "abc\"") < 0);
        Assert.False(string.CompareOrdinal(longer, "abc!") >= 0 && string.CompareOrdinal(longer, "abc\"") < 0);
    }

    [Fact]
    public void An_entry_row_has_the_same_properties_in_both_layouts()
    {
        var entry = new JournalEntry
        {
            Sequence = 3,
            EntryId = Guid.Parse("00000000-0000-0000-0000-000000000003"),
            PreviousEntryId = Guid.Parse("00000000-0000-0000-0000-000000000002"),
            Chain = new byte[32],
            PayloadHash = JournalChain.PayloadHash([1, 2, 3]),
            PayloadLength = 3,
        };
        var one = JournalReplica.ToEntity(Key, entry, new byte[] { 1, 2, 3 });
        var layout = JournalLayout.Sharded(16);
        var two = JournalReplica.ToEntity(layout.Partition(Key), layout.Row(Key, 3), entry, new byte[] { 1, 2, 3 });
        Assert.Equal(one.Keys.Where(k => k is not "PartitionKey" and not "RowKey").Order(), two.Keys.Where(k => k is not "PartitionKey" and not "RowKey").Order());
        Assert.Equal(1, two.GetInt32("V"));
        Assert.Equal(3L, JournalReplica.FromEntity(two, 3)!.Sequence);
        Assert.Null(JournalReplica.FromEntity(two, 0)); // the genesis sequence is not an entry
    }
}
