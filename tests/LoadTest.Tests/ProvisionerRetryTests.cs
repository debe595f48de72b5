using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// The harness's provisioner resends a batch whose answer did not come (here a 503) with the same provision id, so the
/// gateway returns the devices of the first attempt instead of adding more (the gateway side: tests/Gateway.Tests,
/// AdminApiTests).
/// </summary>
public sealed class ProvisionerRetryTests
{
    private const string Answer = """{"accounts":[{"accountId":"acc-1","devices":[{"deviceId":"d1","token":"t1"}]}]}""";

    [Fact]
    public async Task A_resent_batch_carries_the_same_provision_id_and_the_same_accounts()
    {
        await using var gateway = new ScriptedGateway([(503, null), (200, Answer)]);
        using var client = new GatewayClient(gateway.Address, "key", TimeSpan.FromSeconds(10), 4);

        var (phase, devices) = await Provisioner.ProvisionAsync(client, [new ProvisionAccount("acc-1", 1)], 10, CancellationToken.None);

        Assert.Single(devices);
        Assert.Equal(2, gateway.Bodies.Count);
        Assert.Equal(gateway.Bodies[0], gateway.Bodies[1]);
        Assert.Matches("\"provisionId\":\"[A-Za-z0-9_-]{43}\"", gateway.Bodies[0]);
        Assert.Equal(1, phase.Units);
    }

    [Fact]
    public async Task A_batch_is_resent_past_five_attempts_while_its_retry_budget_lasts()
    {
        // Six 503s in a row used to abort a long provisioning run at the fifth (a storage stall on a big store).
        await using var gateway = new ScriptedGateway([.. Enumerable.Repeat((503, (string?)null), 6), (200, Answer)]);
        using var client = new GatewayClient(gateway.Address, "key", TimeSpan.FromSeconds(10), 4);
        var provisioned = 0;

        var phase = await Provisioner.ProvisionAsync(
            client, [new ProvisionAccount("acc-1", 1)], 10, 1, (_, body) => provisioned += body.Accounts.Count,
            CancellationToken.None, retryFor: TimeSpan.FromSeconds(30), backoffStep: TimeSpan.FromMilliseconds(10));

        Assert.Equal(1, provisioned);
        Assert.Equal(7, gateway.Bodies.Count);
        Assert.All(gateway.Bodies, b => Assert.Equal(gateway.Bodies[0], b));
        Assert.Equal(6, phase.Errors.Values.Sum());
    }

    [Fact]
    public async Task Provisioning_gives_up_with_a_clear_message_once_the_retry_budget_is_spent()
    {
        await using var gateway = new ScriptedGateway([.. Enumerable.Repeat((503, (string?)null), 50)]);
        using var client = new GatewayClient(gateway.Address, "key", TimeSpan.FromSeconds(10), 4);

        var error = await Assert.ThrowsAsync<BenchAbortedException>(() => Provisioner.ProvisionAsync(
            client, [new ProvisionAccount("acc-1", 1)], 10, 1, (_, _) => { },
            CancellationToken.None, retryFor: TimeSpan.FromMilliseconds(300), backoffStep: TimeSpan.FromMilliseconds(20)));

        Assert.Contains("attempts in", error.Message, StringComparison.Ordinal);
        // The budget counts from the first send, so on a slow machine the first attempt alone may spend it.
        Assert.InRange(gateway.Bodies.Count, 1, 49);
        Assert.All(gateway.Bodies, b => Assert.Equal(gateway.Bodies[0], b));
    }
}
