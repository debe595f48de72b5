using System.Text.Json;
using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Events;

namespace DeviceSync.LoadTest.Tests;

/// <summary>The harness's <c>events</c> verb, through its command line, against a real cluster: a few sockets, seconds.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EventsSmokeTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_events_run_over_two_shards_opens_every_socket_and_every_write_reaches_every_socket()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loadtest-events-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var cluster = fixture.Cluster;
        var runId = "evsmoke-" + Guid.NewGuid().ToString("N")[..6];

        // Two shards side by side, as two harness processes would run (each its own share of sockets and writes).
        var exitCodes = await Task.WhenAll(Enumerable.Range(0, 2).Select(shard => HarnessCommandLine.InvokeAsync(
        [
            "events", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--sockets", "40", "--devices-per-account", "5", "--source-addresses", "3", "--shard", $"{shard}/2",
            "--connect-rate", "200", "--hold", "1s", "--write-accounts", "4", "--writes", "2", "--write-interval", "400ms",
            "--run-id", runId, "--json", Path.Combine(dir, $"events-{shard}.json"), "--markdown", Path.Combine(dir, $"events-{shard}.md"),
        ])));

        output.WriteLine(await File.ReadAllTextAsync(Path.Combine(dir, "events-0.md")));
        Assert.Equal([0, 0], exitCodes);
        for (var shard = 0; shard < 2; shard++)
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, $"events-{shard}.json")));
            var root = json.RootElement;
            Assert.Equal($"{shard}/2", root.GetProperty("shard").GetString());
            Assert.Equal(20, root.GetProperty("socketsOpened").GetInt32());
            Assert.Equal(4, root.GetProperty("accounts").GetInt32());
            Assert.Equal(3, root.GetProperty("sourceAddresses").GetArrayLength());

            // 2 writing accounts x 2 writes x 5 sockets each: every socket of a writing account hears of every write.
            Assert.Equal(4, root.GetProperty("writesAcknowledged").GetInt32());
            Assert.Equal(20, root.GetProperty("deliveriesExpected").GetInt64());
            Assert.Equal(20, root.GetProperty("delivered").GetInt64());
            Assert.Equal(0, root.GetProperty("late").GetInt64());
            Assert.Equal(0, root.GetProperty("missing").GetInt64());
            Assert.True(root.GetProperty("deliveryMs").GetProperty("max").GetDouble() < 10_000);
        }
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    public void A_shard_is_i_of_k(string text, int index, int count) =>
        Assert.Equal((index, count), EventsCommandLine.ParseShard(text));

    [Theory]
    [InlineData("1/1")]
    [InlineData("3")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void A_shard_outside_its_count_is_a_usage_error(string text) =>
        Assert.Throws<UsageException>(() => EventsCommandLine.ParseShard(text));

    [Fact]
    public void Shares_add_up_to_the_total_and_the_first_shards_take_the_remainder()
    {
        Assert.Equal([4, 3, 3], Enumerable.Range(0, 3).Select(i => EventsCommandLine.ShareOf(10, i, 3)));
        Assert.Equal(100_000, Enumerable.Range(0, 6).Sum(i => EventsCommandLine.ShareOf(100_000, i, 6)));
    }

    [Theory]
    [InlineData("""{"type":"changed","collection":"ev-x","version":44}""", true, 44)]
    [InlineData("""{"collection":"ev-x","version":7,"type":"changed","extra":{"a":[1]}}""", true, 7)]
    [InlineData("""{"type":"changed","collection":"other","version":44}""", false, 44)]
    [InlineData("""{"type":"something-new","collection":"ev-x"}""", false, 0)]
    [InlineData("not json", false, 0)]
    public void Only_changed_frames_of_the_run_s_collection_count(string frame, bool counts, long version)
    {
        Assert.Equal(counts, HarnessSocket.TryReadChanged(System.Text.Encoding.UTF8.GetBytes(frame), "ev-x", out var read));
        if (counts)
        {
            Assert.Equal(version, read);
        }
    }

    [Fact]
    public void Source_addresses_start_at_127_0_0_2()
    {
        var connector = new SourceAddressConnector(3);
        Assert.Equal(["127.0.0.2", "127.0.0.3", "127.0.0.4"], connector.Sources.Select(a => a.ToString()));
        Assert.Empty(new SourceAddressConnector(0).Sources);
    }
}
