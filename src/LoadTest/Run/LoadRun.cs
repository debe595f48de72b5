using System.Globalization;
using System.Text.Json;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// One <c>run</c>: provision, drive the simulated devices (with the live view and the <c>--at</c> commands),
/// run the checker, write the reports, and decide the exit code.
/// </summary>
public sealed class LoadRun(RunOptions options)
{
    /// <summary>Called after the load and before the checker, with every account's ledger and devices (tests use it to tamper on purpose).</summary>
    internal Func<IReadOnlyList<AccountUnderTest>, CancellationToken, Task>? BeforeCheck { get; init; }

    /// <summary>
    /// Runs it. <paramref name="ct"/> aborts (no verdict); <paramref name="endLoad"/> ends the load before
    /// <c>--duration</c> is up, and the run still settles every device's pending writes, checks and reports.
    /// </summary>
    public async Task<RunReport> ExecuteAsync(CancellationToken ct, CancellationToken endLoad = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var maxConnections = options.OpenLoop ? Math.Min(options.Devices, 1024) : options.ClosedLoopConcurrency;
        using var client = new GatewayClient(options.Gateway, options.AdminKey, options.RequestTimeout, maxConnections + 16);
        var metrics = new RunMetrics();
        var violations = new ViolationLog();
        var context = new RunContext(options, client, metrics, violations);
        var view = new LiveView(metrics, options);

        // Provision: each account gets its devices plus one the load never uses, for the checker.
        var accountIds = Enumerable.Range(0, options.Accounts)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"lt-{options.RunId}-{i:D6}"))
            .ToList();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"provisioning {options.Accounts} accounts × {options.DevicesPerAccount + 1} devices ({options.DevicesPerAccount} simulated + 1 checker) in calls of {options.ProvisionBatch} accounts"));
        var (provision, provisioned) = await Provisioner.ProvisionAsync(client,
            [.. accountIds.Select(a => new ProvisionAccount(a, options.DevicesPerAccount + 1))], options.ProvisionBatch, ct);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"provisioned {provision.Units} devices in {provision.Seconds:F1} s: {provision.UnitsPerSecond:F0} devices/s ({provision.Requests} calls)"));

        var byAccount = provisioned.GroupBy(d => d.AccountId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var accounts = new List<AccountUnderTest>();
        var devices = new List<SimulatedDevice>();
        foreach (var accountId in accountIds)
        {
            var ledger = new AccountLedger(accountId);
            var own = byAccount[accountId];
            var simulated = new List<SimulatedDevice>();
            foreach (var d in own.Take(options.DevicesPerAccount))
            {
                var device = new SimulatedDevice(devices.Count, d, ledger, options.Seed + devices.Count);
                simulated.Add(device);
                devices.Add(device);
            }

            accounts.Add(new AccountUnderTest(ledger, simulated, own[options.DevicesPerAccount]));
        }

        // Load, with the live view and the scheduled commands.
        Console.Out.WriteLine(options.OpenLoop
            ? string.Create(CultureInfo.InvariantCulture, $"running {options.Duration.TotalSeconds:F0} s open loop at {options.Rate} operations/s over {devices.Count} devices, mix {options.Mix}")
            : string.Create(CultureInfo.InvariantCulture, $"running {options.Duration.TotalSeconds:F0} s closed loop, {options.ClosedLoopConcurrency} of {devices.Count} devices in flight, mix {options.Mix}"));
        if (options.RampUp > TimeSpan.Zero)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ramping up linearly over the first {options.RampUp.TotalSeconds:F0} s ({(options.OpenLoop ? "the rate climbs to its target" : "devices start one after another")})"));
        }

        metrics.Start();
        using var stopCommands = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var scheduler = new CommandScheduler(options.At, metrics, view.Log);
        var schedule = scheduler.RunAsync(stopCommands.Token);
        var load = new LoadDriver(context, devices).RunAsync(ct, endLoad);
        // When the load was ended early, as ticks of metrics.Elapsed (-1: it was not). Noted by endLoad's callback, or
        // after the load if that has not run yet (CancelAsync runs callbacks on another thread).
        long endedAtTicks = -1;
        TimeSpan NoteEnd()
        {
            Interlocked.CompareExchange(ref endedAtTicks, metrics.Elapsed.Ticks, -1);
            return TimeSpan.FromTicks(Interlocked.Read(ref endedAtTicks));
        }

        await using (endLoad.Register(() => view.Log(string.Create(CultureInfo.InvariantCulture,
            $"ending the load early at {NoteEnd().TotalSeconds:F1} s: operations in flight finish, pending writes are settled, then the checker runs"))))
        {
            await view.ShowUntilAsync(load);
            await load;
        }

        var loadSeconds = metrics.Elapsed.TotalSeconds;
        var endedAt = endLoad.IsCancellationRequested ? NoteEnd() : (TimeSpan?)null;
        var endedEarlyAt = endedAt < options.Duration ? endedAt.Value.TotalSeconds : (double?)null;
        await stopCommands.CancelAsync();
        try
        {
            await schedule;
        }
        catch (OperationCanceledException)
        {
            // commands scheduled after the end of the load do not run
        }

        var commands = await scheduler.CollectAsync(TimeSpan.FromSeconds(10));

        if (BeforeCheck is not null)
        {
            await BeforeCheck(accounts, ct);
        }

        Console.Out.WriteLine($"checking: reading {accounts.Count} accounts back through the API");
        var verdict = await new Checker(client).CheckAsync([.. accounts.Select(a => (a.Ledger, a.CheckerDevice))], ct);

        var report = BuildReport(startedAt, provision, loadSeconds, metrics, commands, violations, verdict) with { LoadEndedEarlyAtSeconds = endedEarlyAt };
        Console.Out.Write(MarkdownReport.Render(report));
        if (options.ReportDirectory is { } dir)
        {
            await WriteReportsAsync(dir, report, ct);
            Console.Out.WriteLine($"reports: {Path.Combine(dir, "report.json")}, report.md, report.html");
        }

        return report;
    }

    public static async Task WriteReportsAsync(string directory, RunReport report, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(report, JsonReport.Options) + "\n", ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), MarkdownReport.Render(report), ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.html"), HtmlReport.Render(report), ct);
    }

    private RunReport BuildReport(DateTimeOffset startedAt, PhaseResult provision, double loadSeconds, RunMetrics metrics,
        IReadOnlyList<CommandOutcome> commands, ViolationLog violations, CheckerVerdict verdict)
    {
        var latencies = metrics.AllLatenciesSorted();
        var exitCode = !verdict.Clean ? ExitCodes.DataOrServerFailure
            : metrics.Failures > 0 || violations.Any ? ExitCodes.DeviceVisibleFailures
            : ExitCodes.Clean;
        var kinds = verdict.Findings.GroupBy(f => f.Kind).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var verdictText = exitCode switch
        {
            ExitCodes.Clean => string.Create(CultureInfo.InvariantCulture, $"clean: all {verdict.AcknowledgedItems} acknowledged items read back as acknowledged"),
            ExitCodes.DeviceVisibleFailures => string.Create(CultureInfo.InvariantCulture,
                $"no write lost, but {metrics.Failures} device-visible failures and {violations.Counts.Values.Sum()} protocol violations"),
            _ => $"FAILED: {string.Join(", ", kinds)} write(s) found by the checker",
        };

        return new RunReport
        {
            RunId = options.RunId,
            CommandLine = options.CommandLine,
            StartedAt = startedAt,
            Gateway = options.Gateway.ToString(),
            ProcessorCount = Environment.ProcessorCount,
            Accounts = options.Accounts,
            DevicesPerAccount = options.DevicesPerAccount,
            Devices = options.Devices,
            Loop = options.OpenLoop ? "open" : "closed",
            Concurrency = options.OpenLoop ? null : options.ClosedLoopConcurrency,
            TargetRate = options.Rate,
            Mix = options.Mix.ToString(),
            DurationSeconds = options.Duration.TotalSeconds,
            RampUpSeconds = options.RampUp.TotalSeconds,
            Provision = provision,
            LoadSeconds = loadSeconds,
            Operations = metrics.Operations,
            Requests = metrics.Requests,
            OperationsPerSecond = metrics.Operations / loadSeconds,
            RequestsPerSecond = metrics.Requests / loadSeconds,
            AcknowledgedWrites = metrics.Acknowledged,
            AcknowledgedWritesPerSecond = metrics.Acknowledged / loadSeconds,
            Conflicts = metrics.Conflicts,
            Duplicates = metrics.Duplicates,
            Retries = metrics.Retries,
            RetryAfterAnswers = metrics.RetryAfters,
            TimedOutRequests = metrics.ErrorsByCode().GetValueOrDefault("timeout"),
            DeviceVisibleFailures = metrics.Failures,
            MissedOpenLoopSlots = metrics.MissedSlots,
            LatencyMs = LatencySummary.From([.. latencies]),
            ErrorsByCode = metrics.ErrorsByCode(),
            OperationsByKind = metrics.OperationsByKind.ToDictionary(k => k.Key.ToString().ToLowerInvariant(), k => k.Value),
            Timeline = metrics.Timeline(),
            Commands = commands,
            Violations = violations.Counts,
            ResyncsByReason = metrics.ResyncsByReason,
            HandBacks = metrics.HandBacks,
            ExpectDataLoss = options.ExpectDataLoss,
            ViolationExamples = violations.Examples,
            Checker = verdict,
            ExitCode = exitCode,
            Verdict = verdictText,
        };
    }
}
