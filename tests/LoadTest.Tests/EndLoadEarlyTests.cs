using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Run;
using DeviceSync.Testing;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// Ending a run's load before <c>--duration</c> is up: the first Ctrl+C or SIGTERM (or a test's own token) stops
/// starting operations, and the run still settles pending writes, checks and reports; the second aborts without a verdict.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EndLoadEarlyTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_whose_load_is_ended_early_still_checks_and_reports_when_it_ended()
    {
        var dir = ReportDirectory("early");
        using var endLoad = new CancellationTokenSource();
        var run = HarnessCommandLine.InvokeAsync(RunArguments(dir, "10m"), endLoad: endLoad.Token);
        await WaitForLoadAsync(dir, run);
        await endLoad.CancelAsync();

        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(90));

        var md = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        output.WriteLine(md);
        Assert.Equal(ExitCodes.Clean, exitCode);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var root = json.RootElement;
        var endedAt = root.GetProperty("loadEndedEarlyAtSeconds").GetDouble();
        Assert.InRange(endedAt, 0.5, 60);
        Assert.True(root.GetProperty("loadSeconds").GetDouble() < 120, "the load went on after it was ended");
        Assert.Equal(600, root.GetProperty("durationSeconds").GetDouble());
        Assert.True(root.GetProperty("acknowledgedWrites").GetInt64() > 0);
        var checker = root.GetProperty("checker");
        Assert.Equal(0, checker.GetProperty("findings").GetArrayLength());
        Assert.True(checker.GetProperty("matched").GetInt64() > 0, "the checker compared nothing");
        Assert.Contains("the load was ended early", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_lasts_its_duration_reports_no_early_end()
    {
        var dir = ReportDirectory("full");
        using var endLoad = new CancellationTokenSource();

        var exitCode = await HarnessCommandLine.InvokeAsync(RunArguments(dir, "3s"), endLoad: endLoad.Token);

        Assert.Equal(ExitCodes.Clean, exitCode);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("loadEndedEarlyAtSeconds").ValueKind);
        Assert.DoesNotContain("ended early", await File.ReadAllTextAsync(Path.Combine(dir, "report.md")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The harness as an SRE runs it, as a process: interrupted once, it ends the load and the verdict still comes.
    /// The signal is SIGTERM, which the harness treats as Ctrl+C's SIGINT: a process started in the background by a
    /// non-interactive shell (as the test host is under .ci/run) inherits SIGINT ignored, and .NET leaves it so.
    /// </summary>
    [Fact]
    public async Task Interrupted_once_the_process_ends_the_load_and_exits_with_the_checkers_verdict()
    {
        var dir = ReportDirectory("sigint");
        using var harness = StartHarnessProcess(dir);
        try
        {
            await WaitForLoadAsync(dir, harness.WaitForExitAsync());
            Assert.True(NativeSignals.Terminate(harness.Id));
            await harness.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            StopIfRunning(harness);
        }

        output.WriteLine(await File.ReadAllTextAsync(Path.Combine(dir, "stdout.txt")));
        Assert.Equal(ExitCodes.Clean, harness.ExitCode);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("loadEndedEarlyAtSeconds").ValueKind);
        Assert.True(json.RootElement.GetProperty("checker").GetProperty("matched").GetInt64() > 0, "the checker compared nothing");
    }

    [Fact]
    public async Task Interrupted_twice_the_process_aborts_without_a_verdict()
    {
        var dir = ReportDirectory("sigint2");
        using var harness = StartHarnessProcess(dir, atCommandSleeps: 5);
        try
        {
            await WaitForLoadAsync(dir, harness.WaitForExitAsync());
            Assert.True(NativeSignals.Terminate(harness.Id));

            // The run waits for its --at command (it sleeps 5 s) before it checks: the second interruption comes meanwhile.
            await Eventually.WaitAsync(
                () => File.ReadAllText(Path.Combine(dir, "stdout.txt")).Contains("ending the load early", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                "the run did not say it was ending its load");
            Assert.True(NativeSignals.Terminate(harness.Id));
            await harness.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            StopIfRunning(harness);
        }

        Assert.Equal(ExitCodes.Aborted, harness.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "report.json")), "an aborted run wrote a verdict");
    }

    private string[] RunArguments(string dir, string duration, int atCommandSleeps = 0) =>
    [
        "run", "--gateway", fixture.Cluster.GatewayAddress.ToString(), "--admin-key", fixture.Cluster.AdminKey!,
        "--accounts", "4", "--devices-per-account", "2", "--concurrency", "4", "--duration", duration,
        "--report", dir, "--plain", "--run-id", Path.GetFileName(dir),
        "--at", "2s", $"mkdir -p {dir} && touch {dir}/in-load && sleep {atCommandSleeps}", // the marker WaitForLoadAsync waits for
    ];

    private static string ReportDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), "loadtest-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The harness process, its output going to DIR/stdout.txt.</summary>
    private Process StartHarnessProcess(string dir, int atCommandSleeps = 0)
    {
        Directory.CreateDirectory(dir);
        var stdout = Path.Combine(dir, "stdout.txt");
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" \"$@\" > \"$STDOUT\" 2>&1", "dotnet", Path.Combine(AppContext.BaseDirectory, "DeviceSync.LoadTest.dll") },
            Environment = { ["STDOUT"] = stdout },
            UseShellExecute = false,
        };
        foreach (var argument in RunArguments(dir, "10m", atCommandSleeps))
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private static void StopIfRunning(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Waits until the run is 2 s into its load (its <c>--at 2s</c> command has left a marker).</summary>
    private static async Task WaitForLoadAsync(string dir, Task run)
    {
        await Eventually.WaitAsync(
            () =>
            {
                Assert.False(run.IsCompleted, "the run ended before its load began");
                return File.Exists(Path.Combine(dir, "in-load"));
            },
            TimeSpan.FromSeconds(60),
            "the run did not start its load");
    }
}
