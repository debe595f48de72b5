using System.Diagnostics;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// A gateway holding a no-change lease (docs/adr/0014-no-change-leases.md) dies or hangs: the next write to that
/// collection is still applied, after at most the lease's remainder, and is in the next poll through another gateway.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NoChangeLeaseFailoverTests(ITestOutputHelper output)
    : TwoGatewayClusterTest(output, new LocalClusterOptions { Silos = 1 })
{
    [Theory]
    [InlineData("killed")]
    [InlineData("frozen")]
    public async Task A_write_is_applied_and_seen_when_a_gateway_holding_a_lease_is_gone(string fate)
    {
        var a = Client;
        var b = new E2eClient(SecondHttp);
        var laptop = await a.NewAccountAsync("lease-" + fate);
        var phone = await a.AddDeviceAsync(laptop.AccountId, "phone");
        var first = await a.SyncOneAsync(laptop, "notes", null, E2eClient.PutNew(1, "n-1"));
        var cursor = first.GetProperty("cursor").GetString();

        // Gateway B earns a lease with the phone's first poll and answers the second under it.
        for (var poll = 0; poll < 2; poll++)
        {
            var polled = await b.SyncOneAsync(phone, "notes", cursor);
            Assert.Empty(polled.GetProperty("changes").EnumerateArray());
        }

        if (fate == "killed")
        {
            SecondGateway.Kill();
        }
        else
        {
            SecondGateway.Freeze();
        }

        var writing = Stopwatch.StartNew();
        var written = await a.SyncOneAsync(laptop, "notes", cursor, E2eClient.PutNew(2, "n-2"));
        Output.WriteLine($"gateway B {fate}: the write was acknowledged after {writing.Elapsed.TotalMilliseconds:F0} ms");
        var applied = Assert.Single(written.GetProperty("results").EnumerateArray());
        Assert.Equal("applied", applied.GetProperty("status").GetString());

        // A liveness bound, not a speed figure: the grain waits out at most one lease (1 s and its margin), never a call timeout.
        Assert.True(writing.Elapsed < TimeSpan.FromSeconds(8), $"the write took {writing.Elapsed}: the dead holder held it up");

        var next = await a.SyncOneAsync(phone, "notes", cursor);
        var change = Assert.Single(next.GetProperty("changes").EnumerateArray());
        Assert.Equal("n-2", change.GetProperty("itemId").GetString());
        Assert.Equal(applied.GetProperty("version").GetInt64(), change.GetProperty("version").GetInt64());
    }
}
