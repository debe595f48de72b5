using System.Globalization;
using System.Text.Json;
using DeviceSync.LoadTest.Commands;

namespace DeviceSync.LoadTest.Tests;

/// <summary>The harness's <c>run</c> verb, through its command line, against a real cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunSmokeTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_closed_loop_run_ends_clean_and_writes_three_reports()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loadtest-smoke-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = fixture.Cluster;
        string[] args =
        [
            "run", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--accounts", "10", "--devices-per-account", "2", "--concurrency", "20", "--duration", "10s",
            "--mix", "put=50,edit=25,delete=5,nochange=15,conflict=5",
            "--at", "3s", "echo at-command-ran; exit 3",
            "--report", dir, "--plain", "--run-id", "smoke-" + Guid.NewGuid().ToString("N")[..6],
        ];

        var exitCode = await HarnessCommandLine.InvokeAsync(args);

        var md = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        output.WriteLine(md);
        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(20, root.GetProperty("devices").GetInt32());
        Assert.True(root.GetProperty("acknowledgedWrites").GetInt64() > 0);
        Assert.True(root.GetProperty("operations").GetInt64() > 0);
        Assert.True(root.GetProperty("timeline").GetArrayLength() >= 9);
        var checker = root.GetProperty("checker");
        Assert.Equal(0, checker.GetProperty("findings").GetArrayLength());
        Assert.Equal(10, checker.GetProperty("accounts").GetInt32());
        Assert.True(checker.GetProperty("matched").GetInt64() > 0);

        var command = Assert.Single(root.GetProperty("commands").EnumerateArray());
        Assert.Equal(3, command.GetProperty("exitCode").GetInt32());
        Assert.Contains("at-command-ran", command.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.InRange(command.GetProperty("startedSeconds").GetDouble(), 2.9, 8);

        var html = await File.ReadAllTextAsync(Path.Combine(dir, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("clean", md, StringComparison.Ordinal);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reports in {dir}"));
    }

    [Fact]
    public async Task A_run_with_ramp_up_starts_devices_gradually_ends_clean_and_records_the_ramp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loadtest-ramp-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = fixture.Cluster;
        string[] args =
        [
            "run", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--accounts", "5", "--devices-per-account", "2", "--duration", "8s", "--ramp-up", "4s",
            "--report", dir, "--plain", "--run-id", "ramp-" + Guid.NewGuid().ToString("N")[..6],
        ];

        var exitCode = await HarnessCommandLine.InvokeAsync(args);

        var md = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        output.WriteLine(md);
        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("rampUpSeconds").GetDouble());
        Assert.True(root.GetProperty("operations").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("checker").GetProperty("findings").GetArrayLength());
        Assert.Contains("ramp-up 4 s (linear)", md, StringComparison.Ordinal);
    }
}
