using System.Text.Json;
using DeviceSync.LoadTest.Commands;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>
/// The load harness (src/LoadTest, `run`) driving a <see cref="LocalCluster"/> in-process while a test does something
/// to the cluster, then its checker's verdict asserted: every acknowledged write read back as acknowledged, none
/// applied twice, and no device-visible failure after the devices' own retries.
/// </summary>
public sealed class HarnessRun
{
    private readonly string _reports;
    private readonly Task<int> _exitCode;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    private HarnessRun(string reports, Task<int> exitCode)
    {
        _reports = reports;
        _exitCode = exitCode;
    }

    /// <summary>Seconds since the harness started (it provisions first, for a few seconds).</summary>
    public TimeSpan Elapsed => DateTimeOffset.UtcNow - _started;

    /// <summary>Starts `run` with 16 accounts × 2 devices, 16 in flight, the default mix with conflicts, plus <paramref name="extraArgs"/>.</summary>
    public static HarnessRun Start(LocalCluster cluster, string duration, string name, params string[] extraArgs)
    {
        var reports = Path.Combine(cluster.LogDirectory, "harness-" + name);
        var exitCode = HarnessCommandLine.InvokeAsync(
        [
            "run", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--accounts", "16", "--devices-per-account", "2", "--concurrency", "16", "--duration", duration,
            "--mix", "put=50,edit=25,delete=5,nochange=15,conflict=5",
            "--report", reports, "--plain", "--run-id", name + "-" + Guid.NewGuid().ToString("N")[..6],
            .. extraArgs,
        ]);
        return new HarnessRun(reports, exitCode);
    }

    /// <summary>Waits for the run to end; its exit code and report (printed), for tests that assert more than "clean".</summary>
    public async Task<(int ExitCode, JsonDocument Report)> WaitAsync(ITestOutputHelper output)
    {
        var exitCode = await _exitCode;
        output.WriteLine(await File.ReadAllTextAsync(Path.Combine(_reports, "report.md")));
        return (exitCode, JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json"))));
    }

    /// <summary>Whether the run has ended (the harness exits early only on a usage or provisioning error).</summary>
    public bool Ended => _exitCode.IsCompleted;

    /// <summary>Waits until <paramref name="at"/> after the start (for faults at given moments of the run).</summary>
    public Task AtAsync(TimeSpan at) => Elapsed < at ? Task.Delay(at - Elapsed) : Task.CompletedTask;

    /// <summary>Waits for the run to end and asserts its verdict is clean; returns the report for more checks.</summary>
    public async Task<JsonDocument> AssertCleanAsync(ITestOutputHelper output)
    {
        var exitCode = await _exitCode;
        output.WriteLine(await File.ReadAllTextAsync(Path.Combine(_reports, "report.md")));
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json")));
        var checker = report.RootElement.GetProperty("checker");
        Assert.Equal(0, checker.GetProperty("findings").GetArrayLength()); // no acknowledged write lost or applied twice
        Assert.True(checker.GetProperty("matched").GetInt64() > 0, "the checker compared nothing");
        Assert.Equal(0, exitCode); // clean: also no device-visible failure after the devices' retries
        return report;
    }
}
