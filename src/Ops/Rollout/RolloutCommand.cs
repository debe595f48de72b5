using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace DeviceSync.Ops.Rollout;

/// <summary><c>rollout</c>: replaces the silos of a local or VM cluster (as run.sh starts it) one at a time with a new build.</summary>
public static class RolloutCommand
{
    public static Command Build()
    {
        var runDirectory = new Option<DirectoryInfo>("--run-dir")
        {
            Description = "the cluster's run directory, where run.sh describes its silos [default: $DEVICESYNC_DATA/run, else ./.data/run]",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Environment.GetEnvironmentVariable("DEVICESYNC_DATA") ?? ".data", "run")),
        };
        var build = new Option<DirectoryInfo?>("--build")
        {
            Description = "a folder holding the new silo build (DeviceSync.Silo.dll); default: publish this source tree's src/Silo into the data folder's builds/",
        };
        var gateway = new Option<Uri>("--gateway")
        {
            Description = "the gateway, for the cluster view and its error count",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),
        };
        var adminKey = new Option<string?>("--admin-key")
        {
            Description = "X-Admin-Key for /v1/admin/cluster [default: $SYNC_ADMIN_KEY]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SYNC_ADMIN_KEY"),
        };
        var stopGrace = Seconds("--stop-grace", "seconds a silo may take to stop gracefully (more than its Silo:ShutdownTimeout)", 45);
        var settle = Seconds("--settle", "seconds to watch errors after each silo before the next", 10);
        var maxErrors = new Option<long>("--max-errors")
        {
            Description = "server errors (5xx at the gateway) one silo's replacement may add before the rollout stops",
            DefaultValueFactory = _ => 0,
        };

        var command = new Command("rollout", "replace every silo, one at a time, with a new build; stop and report if the cluster does not settle or errors rise")
        {
            runDirectory, build, gateway, adminKey, stopGrace, settle, maxErrors,
        };
        command.SetAction(async (parse, ct) =>
        {
            var key = parse.GetValue(adminKey);
            if (string.IsNullOrEmpty(key))
            {
                await Console.Error.WriteLineAsync("error: --admin-key (or $SYNC_ADMIN_KEY) is required to read the cluster view");
                return OpsCommandLine.Usage;
            }

            var run = parse.GetValue(runDirectory)!;
            var silos = LocalSiloInstance.Discover(run.FullName);
            if (silos.Count == 0)
            {
                await Console.Error.WriteLineAsync($"error: no silos described in {run.FullName}");
                return OpsCommandLine.Usage;
            }

            var buildDirectory = parse.GetValue(build)?.FullName ?? await PublishAsync(run.Parent!.FullName, ct);
            var version = VersionOf(buildDirectory);
            Console.WriteLine($"[rollout] {silos.Count} silos ({string.Join(", ", silos.Select(s => s.Name))}) to build {version}");
            using var http = new HttpClient { BaseAddress = parse.GetValue(gateway), Timeout = TimeSpan.FromSeconds(10) };
            var rollout = new SiloRollout(
                new ClusterObserver(http, key),
                new RolloutOptions
                {
                    StopGrace = parse.GetValue(stopGrace),
                    Settle = parse.GetValue(settle),
                    MaxNewErrors = parse.GetValue(maxErrors),
                },
                Console.Out);
            var report = await rollout.RunAsync(silos, buildDirectory, version, ct);
            Console.WriteLine(report.Completed
                ? string.Create(CultureInfo.InvariantCulture, $"[rollout] done: {report.Steps.Count} silos on {version}; {report.Steps.Sum(s => s.NewErrors)} server errors; {report.Steps.Sum(s => s.Duration.TotalSeconds):0} s")
                : $"[rollout] stopped: {report.FailedReason}");
            return report.Completed ? 0 : 1;
        });
        return command;
    }

    /// <summary>The build a folder holds: its informational version (version+commit), as silos report it.</summary>
    public static string VersionOf(string buildDirectory) =>
        FileVersionInfo.GetVersionInfo(Path.Combine(buildDirectory, "DeviceSync.Contracts.dll")).ProductVersion
            ?? throw new InvalidOperationException($"{buildDirectory} holds no DeviceSync build");

    private static Option<TimeSpan> Seconds(string name, string description, int defaultSeconds) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => TimeSpan.FromSeconds(defaultSeconds),
            CustomParser = r => TimeSpan.FromSeconds(int.Parse(r.Tokens.Single().Value, NumberStyles.None, CultureInfo.InvariantCulture)),
        };

    /// <summary>Publishes src/Silo into a new folder (never over the files a running silo uses).</summary>
    private static async Task<string> PublishAsync(string dataDirectory, CancellationToken ct)
    {
        var output = Path.Combine(dataDirectory, "builds", "silo-" + DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Console.WriteLine($"[rollout] publishing src/Silo to {output}");
        using var publish = Process.Start("dotnet", ["publish", "src/Silo", "-c", "Release", "-o", output, "-nologo", "-v:q", "-clp:ErrorsOnly"]);
        await publish.WaitForExitAsync(ct);
        return publish.ExitCode == 0 ? output : throw new InvalidOperationException("dotnet publish src/Silo failed");
    }
}
