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
    private readonly CancellationTokenSource _endLoad;
    private readonly Task<int> _exitCode;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    private HarnessRun(string reports, CancellationTokenSource endLoad, Task<int> exitCode)
    {
        _reports = reports;
        _endLoad = endLoad;
        _exitCode = exitCode;
    }

    /// <summary>How long devices go on syncing after a fault has played out before a test ends the load: long enough for every device to sync a few times against the cluster as the fault left it.</summary>
    public static TimeSpan Settle { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Seconds since the harness started (it provisions first, for a few seconds).</summary>
    public TimeSpan Elapsed => DateTimeOffset.UtcNow - _started;

    /// <summary>
    /// Starts `run` with 16 accounts × 2 devices, 16 in flight, the default mix with conflicts, plus
    /// <paramref name="extraArgs"/>. <paramref name="duration"/> is the longest the load goes on: a test whose fault has
    /// played out sooner ends it with <see cref="EndLoadAfterAsync"/>.
    /// </summary>
    public static HarnessRun Start(LocalCluster cluster, string duration, string name, params string[] extraArgs)
    {
        var reports = Path.Combine(cluster.LogDirectory, "harness-" + name);
        var endLoad = new CancellationTokenSource();
        var exitCode = HarnessCommandLine.InvokeAsync(
        [
            "run", "--gateway", cluster.GatewayAddress.ToString(), "--admin-key", cluster.AdminKey!,
            "--accounts", "16", "--devices-per-account", "2", "--concurrency", "16", "--duration", duration,
            "--mix", "put=50,edit=25,delete=5,nochange=15,conflict=5",
            "--report", reports, "--plain", "--run-id", name + "-" + Guid.NewGuid().ToString("N")[..6],
            .. extraArgs,
        ],
        endLoad: endLoad.Token);
        return new HarnessRun(reports, endLoad, exitCode);
    }

    /// <summary>
    /// Lets the devices go on syncing for <paramref name="settle"/> (against the cluster as the fault left it), then ends
    /// the load as the first Ctrl+C would: the run settles pending writes, checks and reports as after its duration.
    /// </summary>
    public async Task EndLoadAfterAsync(TimeSpan settle)
    {
        await Task.Delay(settle);
        await _endLoad.CancelAsync();
    }

    /// <summary>Waits for the run to end; its exit code and report (printed), for tests that assert more than "clean".</summary>
    public async Task<(int ExitCode, JsonDocument Report)> WaitAsync(ITestOutputHelper output)
    {
        var exitCode = await _exitCode;
        output.WriteLine(await File.ReadAllTextAsync(Path.Combine(_reports, "report.md")));
        return (exitCode, JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "report.json"))));
    }

    /// <summary>Whether the run has ended (after its duration, or <see cref="EndLoadAfterAsync"/>; sooner only on a usage or provisioning error).</summary>
    public bool Ended => _exitCode.IsCompleted;

    /// <summary>Waits until <paramref name="at"/> after the start (for faults at given moments of the run).</summary>
    public Task AtAsync(TimeSpan at) => Elapsed < at ? Task.Delay(at - Elapsed) : Task.CompletedTask;

    /// <summary>Waits for the run to end and asserts its verdict is clean; returns the report for more checks.</summary>
    public async Task<JsonDocument> AssertCleanAsync(ITestOutputHelper output)
    {
        var (exitCode, report) = await WaitAsync(output);
        var checker = report.RootElement.GetProperty("checker");
        Assert.Equal(0, checker.GetProperty("findings").GetArrayLength()); // no acknowledged write lost or applied twice
        Assert.True(checker.GetProperty("matched").GetInt64() > 0, "the checker compared nothing");
        Assert.Equal(0, exitCode); // clean: also no device-visible failure after the devices' retries
        return report;
    }
}
