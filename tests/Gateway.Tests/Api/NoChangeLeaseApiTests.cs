using System.Globalization;
using System.Text.Json;
using DeviceSync.Testing;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// No-change leases through the real gateway and silos (docs/adr/0014-no-change-leases.md): repeated polls are
/// answered by the gateway itself, and yet a write another device was told is applied is in the very next poll.
/// </summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class NoChangeLeaseApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task Polls_are_answered_under_a_lease_and_the_next_poll_after_an_acknowledged_write_sees_it()
    {
        var phone = await _api.NewDeviceAsync("lease");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        var first = await _api.SyncOneAsync(laptop, "notes", null, null, Put(1, "n-0"));
        var cursor = first.GetProperty("cursor").GetString();
        var answeredBefore = await LeaseAnswersAsync();

        const int Rounds = 20;
        for (var round = 1; round <= Rounds; round++)
        {
            // The first poll earns a lease, the second is answered under it: both say "no changes" at the same cursor.
            for (var poll = 0; poll < 2; poll++)
            {
                var polled = await _api.SyncOneAsync(phone, "notes", cursor);
                Assert.Empty(polled.GetProperty("changes").EnumerateArray());
                Assert.Empty(polled.GetProperty("results").EnumerateArray());
                Assert.Equal(cursor, polled.GetProperty("cursor").GetString());
                Assert.False(polled.GetProperty("hasMore").GetBoolean());
                Assert.Equal(JsonValueKind.Null, polled.GetProperty("resync").ValueKind);
            }

            var written = await _api.SyncOneAsync(laptop, "notes", null, null, Put(1 + round, $"n-{round}"));
            var applied = Assert.Single(written.GetProperty("results").EnumerateArray());
            Assert.Equal("applied", applied.GetProperty("status").GetString());

            var next = await _api.SyncOneAsync(phone, "notes", cursor);
            var change = Assert.Single(next.GetProperty("changes").EnumerateArray());
            Assert.Equal($"n-{round}", change.GetProperty("itemId").GetString());
            Assert.Equal(applied.GetProperty("version").GetInt64(), change.GetProperty("version").GetInt64());
            cursor = next.GetProperty("cursor").GetString();
        }

        // Every round's second poll (at least) was the gateway's own answer.
        await Eventually.WaitAsync(
            async () => await LeaseAnswersAsync() >= answeredBefore + Rounds,
            TimeSpan.FromSeconds(30),
            "the gateway did not report answering polls under leases");
    }

    /// <summary>devicesync_gateway_sync_lease_answers_total from the gateway's /metrics; 0 before the first.</summary>
    private async Task<double> LeaseAnswersAsync()
    {
        var lines = (await cluster.Http.GetStringAsync("/metrics")).Split('\n');
        return lines
            .Where(l => l.StartsWith("devicesync_gateway_sync_lease_answers_total", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Sum();
    }
}
