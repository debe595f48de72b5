using System.Text.Json;
using DeviceSync.LoadTest.Commands;

namespace DeviceSync.LoadTest.Tests;

/// <summary><c>bench nochange</c> through its command line against a real cluster: the warm-up is reported apart.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BenchNoChangeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_warmed_up_run_reports_the_warmup_as_its_own_phase_and_ends_clean()
    {
        var json = Path.Combine(Path.GetTempPath(), "bench-nochange-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var cluster = fixture.Cluster;
        string[] args =
        [
            "bench", "nochange", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--devices", "2", "--concurrency", "2", "--warmup", "1s", "--duration", "2s", "--json", json,
        ];

        var exitCode = await HarnessCommandLine.InvokeAsync(args);

        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.True(report.RootElement.GetProperty("clean").GetBoolean());
        var phases = report.RootElement.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["provision", "warmup", "nochange"], phases.Keys);
        foreach (var name in new[] { "warmup", "nochange" })
        {
            Assert.True(phases[name].GetProperty("succeeded").GetInt64() > 0, name);
            Assert.Equal(phases[name].GetProperty("requests").GetInt64(), phases[name].GetProperty("succeeded").GetInt64());
        }

        Assert.InRange(phases["nochange"].GetProperty("seconds").GetDouble(), 1.9, 40);
        File.Delete(json);
    }

    [Fact]
    public async Task A_warmup_is_refused_for_workloads_other_than_nochange()
    {
        var exitCode = await HarnessCommandLine.InvokeAsync(["bench", "writes", "--gateway", "http://127.0.0.1:1", "--warmup", "2s"]);

        Assert.NotEqual(0, exitCode);
    }
}
