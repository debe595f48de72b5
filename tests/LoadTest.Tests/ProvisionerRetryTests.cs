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
}
