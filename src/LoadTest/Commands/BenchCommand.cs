using System.Text.Json;
using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Reporting;
using DeviceSync.LoadTest.Workloads;

namespace DeviceSync.LoadTest.Commands;

/// <summary><c>bench &lt;workload&gt;</c>: runs one workload against a gateway, prints the table, writes JSON if asked.</summary>
public static class BenchCommand
{
    public static async Task<int> ExecuteAsync(BenchOptions options, string workloadName, string commandLine, CancellationToken ct)
    {
        IWorkload workload = options.Workload switch
        {
            BenchWorkloadKind.Writes or BenchWorkloadKind.Bulk => new WritesWorkload(),
            BenchWorkloadKind.Changes => new ChangesWorkload(),
            BenchWorkloadKind.NoChange => new NoChangeWorkload(),
            _ => throw new InvalidOperationException($"no workload for {options.Workload}"),
        };

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var maxConnections = Math.Max(options.Concurrency, options.Readers) + 8;
        using var client = new GatewayClient(options.Gateway, options.AdminKey, options.RequestTimeout, maxConnections);
        var violations = new ViolationLog();
        var startedAt = DateTimeOffset.UtcNow;
        WorkloadOutcome outcome;
        try
        {
            outcome = await workload.RunAsync(new WorkloadContext(options, client, violations), cancel.Token);
        }
        catch (BenchAbortedException e)
        {
            await Console.Error.WriteLineAsync($"bench {workloadName} aborted: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("interrupted");
            return 1;
        }

        var report = new BenchReport
        {
            Workload = workloadName,
            CommandLine = commandLine,
            StartedAt = startedAt,
            Gateway = options.Gateway.ToString(),
            Concurrency = options.Workload == BenchWorkloadKind.Changes ? options.Readers : options.Concurrency,
            ProcessorCount = Environment.ProcessorCount,
            Phases = outcome.Phases,
            Checks = outcome.Checks,
            Violations = violations.Counts,
            ViolationExamples = violations.Examples,
        };

        Console.Write(ReportPrinter.Render(report));
        if (options.JsonPath is not null)
        {
            var json = JsonSerializer.Serialize(report, JsonReport.Options);
            await File.WriteAllTextAsync(options.JsonPath, json + "\n", CancellationToken.None);
        }

        return report.Clean ? 0 : 1;
    }
}
