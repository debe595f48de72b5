using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace DeviceSync.Ops.Rollout;

/// <summary>
/// <c>rollout</c>: replaces the silos of a local or VM cluster (as run.sh starts it) one at a time with a new build,
/// and, with <c>--roll gateways</c> or <c>all</c>, its gateways after them.
/// </summary>
public static class RolloutCommand
{
    private const string AdminKeyVariable = "SYNC_ADMIN_KEY";

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
        var gateway = OpsCommandLine.GatewayOption("the gateway, for the cluster view and its error count");
        var adminKey = new Option<string?>("--admin-key")
        {
            Description = "X-Admin-Key for /v1/admin/cluster [default: $SYNC_ADMIN_KEY]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(AdminKeyVariable),
        };
        var stopGrace = Seconds("--stop-grace", "seconds a silo may take to stop gracefully (more than its Silo:ShutdownTimeout)", 45);
        var settle = Seconds("--settle", "seconds to watch errors after each silo before the next", 10);
        var roll = new Option<string>("--roll")
        {
            Description = "what to replace: silos (the default; the gateways need no restart), gateways, or all (silos, then gateways)",
            DefaultValueFactory = _ => "silos",
        };
        roll.AcceptOnlyFromAmong("silos", "gateways", "all");
        var gatewayBuild = new Option<DirectoryInfo?>("--gateway-build")
        {
            Description = "a folder holding the new gateway build (DeviceSync.Gateway.dll); default: publish this source tree's src/Gateway into the data folder's builds/",
        };
        var maxErrors = new Option<long>("--max-errors")
        {
            Description = "server errors (5xx at the gateway) one silo's replacement may add before the rollout stops",
            DefaultValueFactory = _ => 0,
        };

        var command = new Command("rollout", "replace every silo (and, if asked, every gateway), one at a time, with a new build; stop and report if the cluster does not settle or errors rise")
        {
            runDirectory, build, gateway, adminKey, stopGrace, settle, maxErrors, roll, gatewayBuild,
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
            var what = parse.GetValue(roll)!;
            var options = new RolloutOptions
            {
                StopGrace = parse.GetValue(stopGrace),
                Settle = parse.GetValue(settle),
                MaxNewErrors = parse.GetValue(maxErrors),
            };
            using var http = new HttpClient { BaseAddress = parse.GetValue(gateway), Timeout = TimeSpan.FromSeconds(10) };

            if (what is "silos" or "all")
            {
                var silos = LocalInstance.DiscoverSilos(run.FullName);
                if (silos.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"error: no silos described in {run.FullName}");
                    return OpsCommandLine.Usage;
                }

                // The silos' token key (docs/adr/0008-device-readmission.md) is in run.sh's secrets folder, never in the
                // args files: a replacement silo gets it the way run.sh gave it, so its tokens stay tagged.
                var tokenKey = Path.Combine(run.Parent!.FullName, "secrets", "token-key");
                if (File.Exists(tokenKey))
                {
                    var keyText = (await File.ReadAllTextAsync(tokenKey, ct)).Trim();
                    foreach (var s in silos)
                    {
                        s.Environment["Auth__TokenKeys__0__Id"] = "local";
                        s.Environment["Auth__TokenKeys__0__Key"] = keyText;
                    }
                }

                var buildDirectory = parse.GetValue(build)?.FullName ?? await PublishAsync("src/Silo", "silo", run.Parent!.FullName, ct);
                var version = VersionOf(buildDirectory);
                Console.WriteLine($"[rollout] {silos.Count} silos ({string.Join(", ", silos.Select(s => s.Name))}) to build {version}");
                var report = await new SiloRollout(new ClusterObserver(http, key), options, Console.Out).RunAsync(silos, buildDirectory, version, ct);
                if (!Summarize("silos", report))
                {
                    return 1;
                }
            }

            if (what is "gateways" or "all")
            {
                var gateways = LocalInstance.DiscoverGateways(run.FullName);
                if (gateways.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"error: no gateways described in {run.FullName}");
                    return OpsCommandLine.Usage;
                }

                // The key the cluster's admin routes answer to: the replacement gateway must keep answering to it.
                foreach (var g in gateways)
                {
                    g.Environment[AdminKeyVariable] = key;
                }

                var buildDirectory = parse.GetValue(gatewayBuild)?.FullName ?? await PublishAsync("src/Gateway", "gateway", run.Parent!.FullName, ct);
                var version = VersionOf(buildDirectory);
                Console.WriteLine($"[rollout] {gateways.Count} gateways ({string.Join(", ", gateways.Select(s => s.Name))}) to build {version}");
                var report = await new GatewayRollout(http, options, Console.Out).RunAsync(gateways, buildDirectory, version, ct);
                if (!Summarize("gateways", report))
                {
                    return 1;
                }
            }

            return 0;
        });
        return command;
    }

    private static bool Summarize(string what, SiloRollout.Report report)
    {
        Console.WriteLine(report.Completed
            ? string.Create(CultureInfo.InvariantCulture, $"[rollout] done: {report.Steps.Count} {what} on {report.ExpectedVersion}; {report.Steps.Sum(s => s.NewErrors)} server errors; {report.Steps.Sum(s => s.Duration.TotalSeconds):0} s")
            : $"[rollout] stopped: {report.FailedReason}");
        return report.Completed;
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

    /// <summary>Publishes a project into a new folder (never over the files a running process uses).</summary>
    private static async Task<string> PublishAsync(string project, string kind, string dataDirectory, CancellationToken ct)
    {
        var output = Path.Combine(dataDirectory, "builds", kind + "-" + DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Console.WriteLine($"[rollout] publishing {project} to {output}");
        using var publish = Process.Start("dotnet", ["publish", project, "-c", "Release", "-o", output, "-nologo", "-v:q", "-clp:ErrorsOnly"]);
        await publish.WaitForExitAsync(ct);
        return publish.ExitCode == 0 ? output : throw new InvalidOperationException($"dotnet publish {project} failed");
    }
}
