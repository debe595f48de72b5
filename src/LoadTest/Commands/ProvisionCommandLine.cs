using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Run;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Commands;

/// <summary>
/// <c>provision [options]</c>: creates many accounts and devices through <c>/v1/admin/provision</c> and measures the
/// rate, for scale runs (issue 3: "the provisioning rate for 1,000,000 devices"). Tokens are counted, not kept.
/// </summary>
public static class ProvisionCommandLine
{
    public static Command Build(IReadOnlyList<string> args)
    {
        var gateway = OptionFactory.Gateway();
        var adminKey = OptionFactory.AdminKey();
        var accounts = OptionFactory.Int("--accounts", "accounts to provision", 1000, 1, 10_000_000);
        var devicesPerAccount = OptionFactory.Int("--devices-per-account", "devices per account", 10, 1, 100);
        var batch = OptionFactory.Int("--provision-batch", "accounts per /v1/admin/provision call", 100, 1, Provisioner.MaxAccountsPerCall);
        var calls = OptionFactory.Int("--calls", "provision calls in flight at once", Provisioner.DefaultConcurrentCalls, 1, 64);
        var timeout = OptionFactory.Duration("--timeout", "per-call timeout", TimeSpan.FromSeconds(120));
        var retryFor = OptionFactory.Duration("--retry-for", "how long to keep resending a call answered 503 or not at all (safe: the provision id makes it idempotent)", Provisioner.DefaultRetryFor);
        var progress = OptionFactory.Duration("--progress", "how often to print a progress line", TimeSpan.FromSeconds(10));
        var runId = new Option<string?>("--run-id") { Description = "names the accounts pv-<run-id>-NNNNNNN (default: MMddHHmmss)" };
        var json = new Option<string?>("--json") { Description = "write the result (rate, latency, errors, progress samples) to this file" };

        var command = new Command("provision", "create accounts and devices through /v1/admin/provision and report the rate")
        {
            gateway, adminKey, accounts, devicesPerAccount, batch, calls, timeout, retryFor, progress, runId, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var id = parse.GetValue(runId) ?? DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
            try
            {
                return await ExecuteAsync(
                    parse.GetValue(gateway)!, parse.GetValue(adminKey), id, parse.GetValue(accounts), parse.GetValue(devicesPerAccount),
                    parse.GetValue(batch), parse.GetValue(calls), parse.GetValue(timeout), parse.GetValue(retryFor), parse.GetValue(progress), parse.GetValue(json),
                    OptionFactory.Describe(args), ct);
            }
            catch (BenchAbortedException e)
            {
                await Console.Error.WriteLineAsync($"provision aborted: {e.Message}");
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

    private static async Task<int> ExecuteAsync(
        Uri gateway, string? adminKey, string runId, int accountCount, int devicesPerAccount, int batch, int calls,
        TimeSpan timeout, TimeSpan retryFor, TimeSpan progressEvery, string? jsonPath, string commandLine, CancellationToken ct)
    {
        var c = CultureInfo.InvariantCulture;
        var accounts = Enumerable.Range(1, accountCount)
            .Select(i => new ProvisionAccount(string.Create(c, $"pv-{runId}-{i:D7}"), devicesPerAccount))
            .ToList();
        using var client = new GatewayClient(gateway, adminKey, timeout, calls + 4);
        long accountsDone = 0;
        long devicesDone = 0;
        var samples = new List<ProgressSample>();
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        Console.WriteLine(string.Create(c,
            $"provision {accountCount} accounts x {devicesPerAccount} devices = {(long)accountCount * devicesPerAccount} devices, {batch} accounts per call, {calls} calls at once, accounts pv-{runId}-*"));

        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reporter = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(progressEvery);
            long lastDevices = 0;
            var lastAt = TimeSpan.Zero;
            try
            {
                while (await timer.WaitForNextTickAsync(stopProgress.Token))
                {
                    var at = Stopwatch.GetElapsedTime(started);
                    var devices = Interlocked.Read(ref devicesDone);
                    var sample = new ProgressSample(at.TotalSeconds, Interlocked.Read(ref accountsDone), devices, (devices - lastDevices) / (at - lastAt).TotalSeconds);
                    samples.Add(sample);
                    Console.WriteLine(string.Create(c,
                        $"{sample.Seconds,7:F0}s  accounts {sample.Accounts,9}  devices {sample.Devices,10}  now {sample.DevicesPerSecond,8:F0} devices/s  overall {devices / at.TotalSeconds,8:F0} devices/s"));
                    (lastDevices, lastAt) = (devices, at);
                }
            }
            catch (OperationCanceledException)
            {
                // The run ended.
            }
        }, CancellationToken.None);

        PhaseResult phase;
        try
        {
            phase = await Provisioner.ProvisionAsync(client, accounts, batch, calls, (_, body) =>
            {
                Interlocked.Add(ref accountsDone, body.Accounts.Count);
                Interlocked.Add(ref devicesDone, body.Accounts.Sum(a => a.Devices.Count));
            }, ct, retryFor);
        }
        finally
        {
            await stopProgress.CancelAsync();
            await reporter;
        }

        var result = new ProvisionResult
        {
            CommandLine = commandLine,
            StartedAt = startedAt,
            Gateway = gateway.ToString(),
            Accounts = accountsDone,
            Devices = devicesDone,
            AccountsPerCall = batch,
            ConcurrentCalls = calls,
            Seconds = phase.Seconds,
            DevicesPerSecond = devicesDone / phase.Seconds,
            AccountsPerSecond = accountsDone / phase.Seconds,
            Calls = phase.Requests,
            CallLatencyMs = phase.LatencyMs,
            Errors = phase.Errors,
            Progress = samples,
        };
        var errors = result.Errors.Count == 0 ? "none" : string.Join(", ", result.Errors.Select(e => $"{e.Key}x{e.Value}"));
        Console.WriteLine(string.Create(c,
            $"provisioned {result.Accounts} accounts, {result.Devices} devices in {result.Seconds:F1} s: {result.DevicesPerSecond:F0} devices/s, {result.AccountsPerSecond:F1} accounts/s"));
        Console.WriteLine(string.Create(c,
            $"calls {result.Calls}: p50 {result.CallLatencyMs.P50:F0} ms, p99 {result.CallLatencyMs.P99:F0} ms, max {result.CallLatencyMs.Max:F0} ms; errors (all retried): {errors}"));
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(result, JsonReport.Options) + "\n", CancellationToken.None);
        }

        return ExitCodes.Clean;
    }
}
