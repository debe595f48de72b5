using System.CommandLine;
using System.Runtime.InteropServices;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// <c>hold</c>: starts a cluster on free ports, prints (and optionally writes) where everything is, and keeps it up
/// until Ctrl+C or SIGTERM, then stops it. For runs driven from the shell (<c>DeviceSync.LoadTest provision</c>,
/// <c>run</c>, <c>dotnet-gcdump</c>) where run.sh's fixed ports are not free.
/// </summary>
public static class HoldCommand
{
    public static Command Build()
    {
        var silos = new Option<int>("--silos") { Description = "silo processes", DefaultValueFactory = _ => 2 };
        var info = new Option<string?>("--info") { Description = "also write the cluster's addresses, pids and folders (JSON) to this file" };
        var noBackup = new Option<bool>("--no-backup") { Description = "start no backup store (to measure what backups cost)" };
        var gatewaySettings = new Option<string[]>("--gateway-setting")
        {
            Description = "a Key=Value setting for the gateway, e.g. Admission:MaxConcurrentRequests=0; repeatable",
            DefaultValueFactory = _ => [],
        };
        var siloSettings = new Option<string[]>("--silo-setting")
        {
            Description = "a Key=Value setting for every silo, e.g. Storage:Sweep:Enabled=false; repeatable",
            DefaultValueFactory = _ => [],
        };
        var gateways = new Option<int>("--gateways") { Description = "gateway processes (more than one to hold more event sockets than one process's fd limit allows)", DefaultValueFactory = _ => 1 };
        var inMemory = new Option<bool>("--in-memory-storage")
        {
            Description = "Azurite keeps data in memory only (lost at stop): for runs too large for its whole-file saves every 5 s",
        };
        var command = new Command("hold", "start a cluster on free ports and keep it up until Ctrl+C or SIGTERM") { silos, info, noBackup, gatewaySettings, siloSettings, gateways, inMemory };
        command.SetAction(async (parse, ct) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stop.Cancel();
            });
            if (ParseSettings("--gateway-setting", parse.GetValue(gatewaySettings)) is not { } settings
                || ParseSettings("--silo-setting", parse.GetValue(siloSettings)) is not { } forSilos)
            {
                return 2;
            }

            await using var host = await ClusterHost.StartAsync(parse.GetValue(silos), backup: !parse.GetValue(noBackup), gatewaySettings: settings, gateways: Math.Max(1, parse.GetValue(gateways)), siloSettings: forSilos,
                inMemoryStorage: parse.GetValue(inMemory));
            var description = host.Describe();
            Console.WriteLine(description);
            if (parse.GetValue(info) is { } path)
            {
                await File.WriteAllTextAsync(path, description + "\n", CancellationToken.None);
            }

            Console.WriteLine("cluster up; Ctrl+C or SIGTERM stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("stopping the cluster");
            }

            return 0;
        });
        return command;
    }

    private static Dictionary<string, string>? ParseSettings(string option, string[]? pairs)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                Console.Error.WriteLine($"{option}: '{pair}' is not Key=Value");
                return null;
            }

            settings[pair[..equals]] = pair[(equals + 1)..];
        }

        return settings;
    }
}
