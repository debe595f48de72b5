using System.Net;
using System.Net.Sockets;
using System.Text;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// A simulated device resends the very same request after 503, 429 or a lost answer, counts the resends as
/// retries, and counts an operation as a device-visible failure only when its retry budget runs out. The
/// gateway here is a stand-in (an <see cref="HttpListener"/> answering from a script): what is under test is
/// the device's behaviour on errors, which a healthy real cluster does not produce on demand (the real gateway's
/// shedding is tested in tests/Gateway.Tests/Admission).
/// </summary>
public sealed class DeviceRetryTests
{
    private const string Applied = """{"collections":[{"name":"tasks","results":[{"id":1,"status":"applied","version":7}],"changes":[],"cursor":"7","hasMore":false,"resync":null}]}""";

    [Fact]
    public async Task Resends_the_same_body_after_503_and_429_then_counts_the_write_as_acknowledged()
    {
        await using var gateway = new ScriptedGateway([(503, null), (429, null), (200, Applied)]);
        var (device, context) = Create(gateway.Address);

        var ok = await device.RunAsync(OperationKind.Put, context, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.True(ok);
        Assert.Equal(3, gateway.Bodies.Count);
        Assert.All(gateway.Bodies, body => Assert.Equal(gateway.Bodies[0], body));
        Assert.Contains("\"id\":1,", gateway.Bodies[0], StringComparison.Ordinal);
        Assert.Equal(2, context.Metrics.Retries);
        Assert.Equal(0, context.Metrics.Failures);
        Assert.Equal(1, context.Metrics.Acknowledged);
        Assert.Equal(7, Assert.Single(device.Ledger.Acknowledged).Value.Version);
        Assert.Equal(0, device.PendingCount);
    }

    [Fact]
    public async Task Counts_a_device_visible_failure_when_the_budget_runs_out_and_keeps_the_mutation_pending()
    {
        await using var gateway = new ScriptedGateway([(503, null), (503, null), (503, null), (503, null), (503, null), (503, null)]);
        var (device, context) = Create(gateway.Address);

        var ok = await device.RunAsync(OperationKind.Put, context, TimeSpan.FromMilliseconds(500), CancellationToken.None);

        Assert.False(ok);
        Assert.Equal(1, context.Metrics.Failures);
        Assert.True(context.Metrics.Retries >= 1);
        Assert.Equal(1, device.PendingCount);

        // At the end of a run a mutation still pending is in doubt: it may or may not have been applied.
        device.AbandonPending();
        Assert.Equal(1, device.Ledger.InDoubtCount);
    }

    [Fact]
    public async Task Waits_out_the_gateways_Retry_After_before_resending()
    {
        await using var gateway = new ScriptedGateway([(503, null), (200, Applied)], retryAfterSeconds: 1);
        var (device, context) = Create(gateway.Address);

        var ok = await device.RunAsync(OperationKind.Put, context, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.True(ok);
        Assert.Equal(2, gateway.Arrivals.Count);
        // The device's own backoff starts at 100 ms; only the header explains a gap of a second or more.
        Assert.True(gateway.Arrivals[1] - gateway.Arrivals[0] >= TimeSpan.FromSeconds(0.95), $"resent after {gateway.Arrivals[1] - gateway.Arrivals[0]}");
        Assert.Equal(1, context.Metrics.RetryAfters);
        Assert.Equal(1, context.Metrics.Retries);
    }

    private static (SimulatedDevice Device, RunContext Context) Create(Uri gateway)
    {
        var options = new RunOptions { Gateway = gateway, Accounts = 1, DevicesPerAccount = 1 };
        var client = new GatewayClient(gateway, null, TimeSpan.FromSeconds(10), 4);
        var context = new RunContext(options, client, new RunMetrics(), new ViolationLog());
        var device = new SimulatedDevice(0, new Device("acc", "dev", "token"), new AccountLedger("acc"), seed: 1);
        return (device, context);
    }
}
