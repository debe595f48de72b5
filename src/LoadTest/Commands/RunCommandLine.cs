using System.CommandLine;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Commands;

/// <summary><c>run [options]</c>: simulated devices over HTTP for a duration, a live view, <c>--at</c> commands, the checker and the reports.</summary>
public static class RunCommandLine
{
    public const string Name = "run";

    /// <summary>The command; <paramref name="endLoad"/> ends its load early, after which it still checks and reports.</summary>
    public static Command Build(IReadOnlyList<string> args, CancellationToken endLoad = default)
    {
        var gateway = OptionFactory.Gateway();
        var adminKey = OptionFactory.AdminKey();
        var accounts = OptionFactory.Int("--accounts", "accounts to provision", 500, 1, 10_000_000);
        var devicesPerAccount = OptionFactory.Int("--devices-per-account", "simulated devices per account (each account also gets one checker device)", 2, 1, 99);
        var duration = OptionFactory.Duration("--duration", "how long to drive load: 60s, 2m", TimeSpan.FromSeconds(60));
        var concurrency = new Option<int?>("--concurrency") { Description = "closed loop: devices in flight at once (default: every device)" };
        concurrency.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("--concurrency must be at least 1");
            }
        });
        var rate = new Option<double?>("--rate") { Description = "open loop: operations started per second, whatever the latency" };
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is <= 0)
            {
                r.AddError("--rate must be above 0");
            }
        });
        var rampUp = OptionFactory.Duration("--ramp-up", "start the load gradually (linearly) over this long, inside --duration: closed loop starts devices one after another, open loop raises the rate; 0 = all at once", TimeSpan.Zero, allowZero: true);
        var mix = new Option<OperationMix>("--mix")
        {
            Description = "relative weights of put, edit, delete, nochange and conflict operations",
            DefaultValueFactory = _ => OperationMix.Parse(OperationMix.Default),
            CustomParser = r => OptionFactory.Parse(r, OperationMix.Parse),
        };
        var at = new Option<IReadOnlyList<ScheduledCommand>>("--at")
        {
            Description = "run a shell command (/bin/sh -c) at a moment of the load: --at 30s \"command\"; repeatable",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [],
            CustomParser = r =>
            {
                try
                {
                    return ScheduledCommand.ParsePairs([.. r.Tokens.Select(t => t.Value)]);
                }
                catch (UsageException e)
                {
                    r.AddError(e.Message);
                    return [];
                }
            },
        };
        var report = new Option<string?>("--report") { Description = "write report.json, report.md and report.html into this directory" };
        var itemBytes = OptionFactory.Int("--item-bytes", "approximate size of each item's JSON data", 200, 64, 200_000);
        var sharedItems = OptionFactory.Int("--shared-items", "items per account that every device of it edits (conflict operations)", 4, 1, 1000);
        var provisionBatch = OptionFactory.Int("--provision-batch", "accounts per /v1/admin/provision call", 500, 1, Provisioner.MaxAccountsPerCall);
        var timeout = OptionFactory.Duration("--timeout", "per-request timeout", TimeSpan.FromSeconds(30));
        var retryBudget = OptionFactory.Duration("--retry-budget", "how long an operation resends after 503/429/transport errors before it counts as a failure", TimeSpan.FromSeconds(30));
        var expectDataLoss = new Option<bool>("--expect-data-loss") { Description = "the run loses server data on purpose (wiped replicas, a restore): resyncs are counted, not reported as violations" };
        var plain = new Option<bool>("--plain") { Description = "plain progress lines instead of the live table (the default when output is redirected)" };
        var seed = new Option<int?>("--seed") { Description = "seed of the devices' random choices (default: varies)" };
        var runId = new Option<string?>("--run-id") { Description = "names this run's accounts lt-<run-id>-NNNNNN (default: MMddHHmmss)" };

        var command = new Command(Name, "drive simulated devices against a gateway, then check every acknowledged write")
        {
            gateway, adminKey, accounts, devicesPerAccount, duration, rampUp, concurrency, rate, mix, at, report,
            itemBytes, sharedItems, provisionBatch, timeout, retryBudget, expectDataLoss, plain, seed, runId,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(concurrency) is not null && r.GetValue(rate) is not null)
            {
                r.AddError("give --concurrency (closed loop) or --rate (open loop), not both");
            }

            try
            {
                if (r.GetValue(rampUp) >= r.GetValue(duration))
                {
                    r.AddError("--ramp-up must be shorter than --duration");
                }
            }
            catch (InvalidOperationException)
            {
                // A malformed duration has already reported its own error; there is nothing to compare.
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var options = new RunOptions
            {
                Gateway = parse.GetValue(gateway)!,
                AdminKey = parse.GetValue(adminKey),
                Accounts = parse.GetValue(accounts),
                DevicesPerAccount = parse.GetValue(devicesPerAccount),
                Duration = parse.GetValue(duration),
                RampUp = parse.GetValue(rampUp),
                Concurrency = parse.GetValue(concurrency),
                Rate = parse.GetValue(rate),
                Mix = parse.GetValue(mix)!,
                At = parse.GetValue(at) ?? [],
                ReportDirectory = parse.GetValue(report),
                ItemBytes = parse.GetValue(itemBytes),
                SharedItemsPerAccount = parse.GetValue(sharedItems),
                ProvisionBatch = parse.GetValue(provisionBatch),
                RequestTimeout = parse.GetValue(timeout),
                RetryBudget = parse.GetValue(retryBudget),
                ExpectDataLoss = parse.GetValue(expectDataLoss),
                Plain = parse.GetValue(plain),
                Seed = parse.GetValue(seed) ?? Environment.TickCount,
                CommandLine = OptionFactory.Describe(args),
            };
            if (parse.GetValue(runId) is { } id)
            {
                options = options with { RunId = id };
            }

            try
            {
                var result = await new LoadRun(options).ExecuteAsync(ct, endLoad);
                return result.ExitCode;
            }
            catch (BenchAbortedException e)
            {
                await Console.Error.WriteLineAsync($"run aborted: {e.Message}");
                return ExitCodes.Aborted;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("interrupted");
                return ExitCodes.Aborted;
            }
        });
        return command;
    }
}
