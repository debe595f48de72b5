using System.Text;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

/// <summary>Item data is embedded in journal entries as JSON, byte for byte what the device sent.</summary>
public sealed class ItemDataEncodingTests
{
    [Theory]
    [InlineData("""{"name":"Ann"}""")]
    [InlineData("""{ "spaced" : [1, 2.5e3, true, null], "nested": {"a": {}} }""")]
    [InlineData("""{"quote":"say \"hi\"","unicode":"Zoë 😀 \u00e9","escaped":"\u0022"}""")]
    public void Data_round_trips_exactly_through_journal_and_snapshot(string data)
    {
        var harness = new LedgerHarness();
        harness.Sync("dev-a", null, Put(1, "i-1", data));

        var entry = harness.Journal.Single();
        Assert.DoesNotContain(@"\u0022name", Encoding.UTF8.GetString(entry), StringComparison.Ordinal);
        var change = CollectionCodec.DecodeChange(entry);
        Assert.Equal(data, change.Items.Single().Data);

        var restored = CollectionCodec.DecodeSnapshot(CollectionCodec.EncodeSnapshot(harness.Ledger), harness.Policy);
        var all = restored.Complete(restored.Plan(new() { DeviceId = "dev-b", Cursor = null, Limit = 10 }, harness.Now), new() { DeviceId = "dev-b", Cursor = null, Limit = 10 });
        Assert.Equal(data, all.Changes.Single().Data);
    }

    [Fact]
    public void A_journal_entry_is_not_much_larger_than_the_data_it_carries()
    {
        var data = "{" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"k{i}\":\"v\"")) + "}";
        var harness = new LedgerHarness();
        harness.Sync("dev-a", null, Put(1, "i-1", data));
        Assert.InRange(harness.Journal.Single().Length, data.Length, data.Length + 512);
    }
}
