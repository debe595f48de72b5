using System.CommandLine;
using System.Globalization;

namespace DeviceSync.Ops.Backups;

/// <summary>
/// <c>drill</c>: restores the latest backup into scratch storage, compares per-collection digests with the live
/// system, prints the verdict and records it for the silos' metrics. Exit code 0 verified, 1 differences, 2 bad
/// command line, 3 the drill could not run.
/// </summary>
public static class DrillCommand
{
    public const int CouldNotRun = 3;

    public static Command Build()
    {
        var backup = BackupCommandOptions.Backup();
        var prefix = BackupCommandOptions.Prefix();
        var gateway = BackupCommandOptions.Gateway();
        var adminKey = BackupCommandOptions.AdminKey();
        var account = new Option<string?>("--account") { Description = "drill one account only (not recorded as a verification of the whole backup)" };
        var wait = new Option<int>("--wait")
        {
            Description = "seconds to wait for a backup that lags the live system before a collection counts as differing",
            DefaultValueFactory = _ => 30,
        };
        var parallelism = new Option<int>("--parallelism")
        {
            Description = $"collections verified at once (1-{RestoreDrill.MaxParallelism})",
            DefaultValueFactory = _ => RestoreDrill.DefaultParallelism,
        };
        parallelism.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > RestoreDrill.MaxParallelism)
            {
                r.AddError($"--parallelism must be 1-{RestoreDrill.MaxParallelism}.");
            }
        });
        var command = new Command("drill", "restore the latest backup into scratch storage and compare every collection's digest with the live system")
        {
            backup, prefix, gateway, adminKey, account, wait, parallelism,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (BackupCommandOptions.OpenStore(parse.GetValue(backup), parse.GetValue(prefix)!) is not { } store)
            {
                return OpsCommandLine.Usage;
            }

            using var http = new HttpClient { BaseAddress = parse.GetValue(gateway), Timeout = TimeSpan.FromSeconds(60) };
            var drill = new RestoreDrill(store, new AdminClient(http, parse.GetValue(adminKey)!), TimeSpan.FromSeconds(parse.GetValue(wait)), Console.Out, parse.GetValue(parallelism));
            DrillVerdict verdict;
            try
            {
                verdict = await drill.RunAsync(parse.GetValue(account), ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or Azure.RequestFailedException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"[drill] could not run: {ex.Message}");
                return CouldNotRun;
            }

            Console.WriteLine(Describe(verdict));
            return verdict.Verified ? 0 : 1;
        });
        return command;
    }

    public static string Describe(DrillVerdict verdict)
    {
        var head = verdict.Verified ? "verified" : "NOT verified";
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{head}: {verdict.Matched} collections match, {verdict.Differed} differ ({verdict.Accounts} accounts, backup point {BackupCommandOptions.Format(verdict.BackupPoint)}, {verdict.Duration.TotalSeconds:0.0} s)");
        return verdict.Verified ? text : text + Environment.NewLine + string.Join(Environment.NewLine, verdict.Differences.Select(d => "  differs: " + d));
    }
}
