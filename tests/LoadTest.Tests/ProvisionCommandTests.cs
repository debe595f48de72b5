using System.Text.Json;
using DeviceSync.LoadTest.Commands;

namespace DeviceSync.LoadTest.Tests;

/// <summary>The harness's <c>provision</c> verb (scale runs), through its command line, against a real cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProvisionCommandTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Provisions_every_account_and_device_in_several_calls_and_reports_the_rate()
    {
        var json = Path.Combine(Path.GetTempPath(), "loadtest-provision-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var cluster = fixture.Cluster;
        string[] args =
        [
            "provision", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--accounts", "25", "--devices-per-account", "3", "--provision-batch", "10", "--calls", "2",
            "--run-id", "pt" + Guid.NewGuid().ToString("N")[..6], "--json", json,
        ];

        var exitCode = await HarnessCommandLine.InvokeAsync(args);

        var text = await File.ReadAllTextAsync(json);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal(25, root.GetProperty("accounts").GetInt64());
        Assert.Equal(75, root.GetProperty("devices").GetInt64());
        Assert.True(root.GetProperty("calls").GetInt64() >= 3, "25 accounts in batches of 10 are 3 calls");
        Assert.True(root.GetProperty("devicesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task A_wrong_admin_key_aborts_with_exit_code_4()
    {
        string[] args =
        [
            "provision", "--gateway", fixture.Cluster.GatewayAddress.ToString(), "--admin-key", "not-the-key",
            "--accounts", "2", "--run-id", "pw" + Guid.NewGuid().ToString("N")[..6],
        ];

        Assert.Equal(4, await HarnessCommandLine.InvokeAsync(args));
    }
}
