using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class ReplayAndCodecTests
{
    private const string Phone = "phone";
    private const string Laptop = "laptop";

    [Fact]
    public void Replaying_the_journal_onto_a_fresh_ledger_reproduces_state_and_digest()
    {
        var harness = EventfulHistory();

        var replica = harness.Replay();

        AssertSameLedger(harness.Ledger, replica);
    }

    [Fact]
    public void A_snapshot_round_trip_reproduces_state_and_digest()
    {
        var harness = EventfulHistory();

        var restored = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(harness.Ledger), harness.Policy);

        AssertSameLedger(harness.Ledger, restored);
    }

    [Fact]
    public void A_snapshot_knows_its_uncompressed_size_when_encoded_and_decoded()
    {
        var harness = EventfulHistory();

        var encoded = CollectionCodec.EncodeSnapshotAndSize(harness.Ledger);
        CollectionCodec.DecodeSnapshot(encoded.Payload, harness.Policy, out var decodedBytes);

        using var json = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(encoded.Payload), CompressionMode.Decompress))
        {
            gzip.CopyTo(json);
        }

        Assert.Equal(json.Length, encoded.StateBytes);
        Assert.Equal(json.Length, decodedBytes);
        Assert.True(encoded.StateBytes > encoded.Payload.Length, "the snapshot is stored compressed");
        Assert.Equal(CollectionCodec.EncodeSnapshot(harness.Ledger), encoded.Payload);
    }

    [Fact]
    public void A_snapshot_plus_the_journal_tail_reproduces_state()
    {
        var harness = EventfulHistory();
        var snapshot = CollectionCodec.EncodeSnapshot(harness.Ledger);
        var covered = harness.Journal.Count;
        harness.Push(Phone, Put(900, "tail-1"), Delete(901, "item-2"));
        harness.Push(Laptop, Put(900, "tail-1", baseVersion: 0));

        var restored = CollectionCodec.DecodeSnapshot(snapshot, harness.Policy);
        foreach (var entry in harness.Journal.Skip(covered))
        {
            restored.Apply(CollectionCodec.DecodeChange(entry));
        }

        AssertSameLedger(harness.Ledger, restored);
    }

    [Fact]
    public void A_restored_ledger_decides_the_next_request_exactly_as_the_original()
    {
        var harness = EventfulHistory();
        var restored = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(harness.Ledger), harness.Policy);
        var request = new SyncCollectionRequest
        {
            DeviceId = Phone,
            Cursor = 2,
            Mutations = [Put(500, "item-1", baseVersion: 0), Put(501, "fresh"), Put(3, "dup")],
        };

        var original = harness.Ledger.Plan(request, harness.Now);
        var again = restored.Plan(request, harness.Now);

        Assert.Equal(CollectionCodec.EncodeChange(original.Change!), CollectionCodec.EncodeChange(again.Change!));
        Assert.Equal(original.Results, again.Results);
        Assert.Equal(original.Resync, again.Resync);
    }

    [Fact]
    public void Equal_ledgers_encode_to_equal_snapshot_bytes()
    {
        var harness = EventfulHistory();

        Assert.Equal(
            CollectionCodec.EncodeSnapshot(harness.Ledger),
            CollectionCodec.EncodeSnapshot(harness.Replay()));
    }

    [Fact]
    public void A_hundred_thousand_item_snapshot_round_trips()
    {
        var harness = new LedgerHarness();
        for (var batch = 0; batch < 200; batch++)
        {
            var first = (batch * 500) + 1;
            harness.Push(Phone, [.. Enumerable.Range(first, 500).Select(i => Put(i, $"item-{i}", """{"k":"v"}"""))]);
        }

        var restored = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(harness.Ledger), harness.Policy);

        Assert.Equal(100_000, restored.ItemCount);
        Assert.Equal(harness.Ledger.ComputeDigest(), restored.ComputeDigest());
    }

    [Fact]
    public void A_change_survives_the_codec_with_every_field()
    {
        var change = new CollectionChange
        {
            Position = 12,
            NewEpoch = new EpochStart { Epoch = 3, CutVersion = Versions.Compose(1, 44) },
            Items =
            [
                new ItemRecord { ItemId = "a", Version = Versions.Compose(3, 1), Data = """{"x":"\u00e9\"q\"","n":[1,2]}""", ModifiedAt = LedgerHarness.T0, ModifiedBy = Phone },
                new ItemRecord { ItemId = "b", Version = Versions.Compose(3, 2), Deleted = true, ModifiedAt = LedgerHarness.T0.AddTicks(1), ModifiedBy = Laptop },
            ],
            Marks = [new DeviceMark { DeviceId = Phone, MutationId = SyncLimits.MaxSafeInteger }],
            Conflicts =
            [
                new ArchivedConflict { Sequence = 7, ItemId = "c", DeviceId = Laptop, MutationId = 9, At = LedgerHarness.T0, Data = "{}", ServerVersion = 4 },
                new ArchivedConflict { Sequence = 8, ItemId = "d", DeviceId = Laptop, MutationId = 10, At = LedgerHarness.T0, Deleted = true },
            ],
            PurgedTombstones = [new PurgedTombstone { ItemId = "z", Version = 2 }],
            PurgedConflictsThrough = 6,
            HeadVersion = Versions.Compose(3, 2),
        };

        var decoded = CollectionCodec.DecodeChange(CollectionCodec.EncodeChange(change));

        Assert.Equal(CollectionChange.CurrentSchemaVersion, decoded.SchemaVersion);
        Assert.Equal(change.Position, decoded.Position);
        Assert.Equal(change.NewEpoch, decoded.NewEpoch);
        Assert.Equal(change.Items, decoded.Items);
        Assert.Equal(change.Marks, decoded.Marks);
        Assert.Equal(change.Conflicts, decoded.Conflicts);
        Assert.Equal(change.PurgedTombstones, decoded.PurgedTombstones);
        Assert.Equal(change.PurgedConflictsThrough, decoded.PurgedConflictsThrough);
        Assert.Equal(change.HeadVersion, decoded.HeadVersion);
    }

    [Fact]
    public void Item_data_is_kept_as_the_exact_text_the_device_sent()
    {
        const string Data = """{ "b" : 1,"a":"\u00e9 \ud83d\ude00", "n": 1.50e3 }""";
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a", Data));

        var restored = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(harness.Replay()), harness.Policy);

        Assert.Equal(Data, restored.Find("a")!.Data);
    }

    [Fact]
    public void An_encoded_change_names_its_schema_version()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));

        using var json = JsonDocument.Parse(harness.Journal[0]);

        Assert.Equal(1, json.RootElement.GetProperty("schema").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("pos").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("head").GetInt64());
    }

    [Fact]
    public void An_encoded_snapshot_is_gzip_json_naming_its_schema_version()
    {
        var harness = EventfulHistory();

        using var gzip = new GZipStream(new MemoryStream(CollectionCodec.EncodeSnapshot(harness.Ledger)), CompressionMode.Decompress);
        using var json = JsonDocument.Parse(gzip);

        Assert.Equal(1, json.RootElement.GetProperty("schema").GetInt32());
        Assert.Equal("contacts", json.RootElement.GetProperty("collection").GetString());
    }

    [Fact]
    public void A_change_from_an_unknown_schema_version_is_refused()
    {
        // Schema 2 is a restore entry (docs/adr/0005-backups-and-restore.md); 3 is from a build newer than this one.
        var bytes = Encoding.UTF8.GetBytes("""{"schema":3,"pos":1,"head":1}""");

        Assert.Throws<NotSupportedException>(() => CollectionCodec.DecodeChange(bytes));
    }

    [Fact]
    public void A_change_without_a_schema_version_is_refused()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"pos":1,"head":1}""");

        Assert.Throws<InvalidDataException>(() => CollectionCodec.DecodeChange(bytes));
    }

    [Fact]
    public void Bytes_that_are_not_a_change_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => CollectionCodec.DecodeChange("not json"u8));
        Assert.Throws<InvalidDataException>(() => CollectionCodec.DecodeChange("null"u8));
    }

    [Fact]
    public void Bytes_that_are_not_a_snapshot_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => CollectionCodec.DecodeSnapshot("not gzip"u8, new SyncPolicy()));
    }

    [Fact]
    public void The_digest_depends_only_on_item_ids_and_versions()
    {
        var harness = EventfulHistory();
        var items = harness.Ledger.ItemsByVersion.ToList();
        var reordered = items.AsEnumerable().Reverse().Select(i => i with { Data = "{}", ModifiedBy = "other" });

        Assert.Equal(harness.Ledger.ComputeDigest(), CollectionDigest.Compute(reordered));
        Assert.NotEqual(
            harness.Ledger.ComputeDigest(),
            CollectionDigest.Compute(items.Select((item, i) => i == 0 ? item with { Version = item.Version + 1000 } : item)));
    }

    [Fact]
    public void The_digest_is_hex_sha256_and_changes_with_every_commit()
    {
        var harness = new LedgerHarness();
        var empty = harness.Ledger.ComputeDigest();
        harness.Push(Phone, Put(1, "a"));
        var one = harness.Ledger.ComputeDigest();
        harness.Push(Phone, Put(2, "a"));

        Assert.Matches("^[0-9a-f]{64}$", empty);
        Assert.NotEqual(empty, one);
        Assert.NotEqual(one, harness.Ledger.ComputeDigest());
    }

    private static void AssertSameLedger(CollectionLedger expected, CollectionLedger actual)
    {
        Assert.Equal(expected.Collection, actual.Collection);
        Assert.Equal(expected.HeadVersion, actual.HeadVersion);
        Assert.Equal(expected.CurrentEpoch, actual.CurrentEpoch);
        Assert.Equal(expected.ItemCount, actual.ItemCount);
        Assert.Equal(expected.JournalPosition, actual.JournalPosition);
        Assert.Equal(expected.OldestServableVersion, actual.OldestServableVersion);
        Assert.Equal(expected.ComputeDigest(), actual.ComputeDigest());
        Assert.Equal(expected.ItemsByVersion, actual.ItemsByVersion);
        Assert.Equal(expected.ReadConflicts(null, 500).Conflicts, actual.ReadConflicts(null, 500).Conflicts);
        Assert.Equal(CollectionCodec.EncodeSnapshot(expected), CollectionCodec.EncodeSnapshot(actual));
    }

    /// <summary>Puts, deletes, conflicts, restores, a server-behind epoch jump and a maintenance purge.</summary>
    private static LedgerHarness EventfulHistory()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, [.. Enumerable.Range(1, 10).Select(i => Put(i, $"item-{i}", $$"""{"n":{{i}}}"""))]);
        harness.Push(Phone, Delete(11, "item-3"), Delete(12, "item-4", baseVersion: 4));
        harness.Push(Laptop, Put(1, "item-1", baseVersion: 0), Delete(2, "item-2", baseVersion: 1));
        harness.Now = LedgerHarness.T0.AddDays(50);
        harness.Sync(Laptop, 40, Restore(3, "lost", 33, """{"lost":true}"""), Restore(4, "item-5", 1));
        harness.Push(Phone, Put(13, "item-6", baseVersion: 6), Put(14, "item-7"));
        harness.Maintain(LedgerHarness.T0.AddDays(100));
        harness.Push(Laptop, Put(5, "item-8", """{"n":"late"}"""));
        return harness;
    }
}
