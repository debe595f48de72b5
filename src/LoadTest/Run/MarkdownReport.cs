using System.Globalization;
using System.Text;

namespace DeviceSync.LoadTest.Run;

/// <summary>report.md: the run for people — settings, totals, latency, errors, commands and the checker's verdict.</summary>
public static class MarkdownReport
{
    private const int MaxFindingsListed = 200;

    public static string Render(RunReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"# DeviceSync load run {r.RunId}");
        sb.AppendLine();
        sb.AppendLine(c, $"**Verdict: {r.Verdict}** (exit code {r.ExitCode})");
        sb.AppendLine();
        sb.AppendLine(c, $"- started {r.StartedAt:u} against {r.Gateway}, {r.ProcessorCount} CPUs on the harness machine");
        if (r.CommandLine.Length > 0)
        {
            sb.AppendLine(c, $"- `{r.CommandLine}`");
        }

        var loop = r.Loop == "open"
            ? string.Create(c, $"open loop at {r.TargetRate} operations/s")
            : string.Create(c, $"closed loop, {r.Concurrency} devices in flight");
        var ramp = r.RampUpSeconds > 0 ? string.Create(c, $", ramp-up {r.RampUpSeconds:F0} s (linear)") : ", no ramp-up";
        sb.AppendLine(c, $"- {r.Accounts} accounts × {r.DevicesPerAccount} devices = {r.Devices} devices; {loop}; {r.DurationSeconds:F0} s{ramp}; mix {r.Mix}");
        if (r.LoadEndedEarlyAtSeconds is { } endedAt)
        {
            sb.AppendLine(c, $"- **the load was ended early**, at {endedAt:F1} s of {r.DurationSeconds:F0} s (interrupted); pending writes were settled and the checker ran as usual");
        }

        sb.AppendLine(c, $"- provisioning: {r.Provision.Units} devices in {r.Provision.Seconds:F1} s = **{r.Provision.UnitsPerSecond:F0} devices/s** ({r.Provision.Requests} calls, p50 {r.Provision.LatencyMs.P50:F0} ms)");
        sb.AppendLine();
        sb.AppendLine("## Load");
        sb.AppendLine();
        sb.AppendLine("| operations | ops/s | requests | req/s | acknowledged writes | writes/s | conflicts | duplicates | retries | device-visible failures | p50 ms | p90 ms | p99 ms | max ms |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        sb.AppendLine(c, $"| {r.Operations} | {r.OperationsPerSecond:F0} | {r.Requests} | {r.RequestsPerSecond:F0} | {r.AcknowledgedWrites} | {r.AcknowledgedWritesPerSecond:F0} | {r.Conflicts} | {r.Duplicates} | {r.Retries} | {r.DeviceVisibleFailures} | {r.LatencyMs.P50:F1} | {r.LatencyMs.P90:F1} | {r.LatencyMs.P99:F1} | {r.LatencyMs.Max:F1} |");
        sb.AppendLine();
        sb.AppendLine(c, $"Operations by kind: {string.Join(", ", r.OperationsByKind.Select(k => $"{k.Key} {k.Value}"))}.");
        sb.AppendLine(c, $"Errors by code: {(r.ErrorsByCode.Count == 0 ? "none" : string.Join(", ", r.ErrorsByCode.Select(e => $"{e.Key} × {e.Value}")))}.");
        sb.AppendLine(c, $"Answers with Retry-After (waited out before resending): {r.RetryAfterAnswers}. Requests unanswered within the timeout: {r.TimedOutRequests}.");
        if (r.MissedOpenLoopSlots > 0)
        {
            sb.AppendLine(c, $"Open loop: {r.MissedOpenLoopSlots} operations were due while every device was busy (not sent).");
        }

        sb.AppendLine("Latency is per HTTP request, from sending to the last byte of a 200; retries and errors are counted, not timed.");
        sb.AppendLine();
        if (r.Commands.Count > 0)
        {
            sb.AppendLine("## Commands (--at)");
            sb.AppendLine();
            foreach (var cmd in r.Commands)
            {
                sb.AppendLine(c, $"- at {cmd.AtSeconds:F1} s (ran at {cmd.StartedSeconds:F1} s for {cmd.DurationSeconds:F1} s): `{cmd.Command}` → exit code {(cmd.ExitCode?.ToString(c) ?? "none")}{(cmd.Error is null ? "" : $" ({cmd.Error})")}");
                if (cmd.Output.Length > 0)
                {
                    sb.AppendLine();
                    sb.AppendLine("  ```");
                    foreach (var line in cmd.Output.TrimEnd().Split('\n').Take(40))
                    {
                        sb.AppendLine(c, $"  {line}");
                    }

                    sb.AppendLine("  ```");
                }
            }

            sb.AppendLine();
        }

        if (r.ResyncsByReason.Count > 0 || r.ExpectDataLoss)
        {
            sb.AppendLine("## Resyncs and hand-backs");
            sb.AppendLine();
            sb.AppendLine(c, $"Resyncs by reason: {(r.ResyncsByReason.Count == 0 ? "none" : string.Join(", ", r.ResyncsByReason.Select(e => $"{e.Key} × {e.Value}")))} ({(r.ExpectDataLoss ? "expected: --expect-data-loss" : "**unexpected**: the run injected no data loss")}).");
            sb.AppendLine(c, $"Hand-backs: {(r.HandBacks.Count == 0 ? "none" : string.Join(", ", r.HandBacks.Select(e => $"{e.Key} × {e.Value}")))}.");
            sb.AppendLine();
        }

        var v = r.Checker;
        sb.AppendLine("## Checker");
        sb.AppendLine();
        sb.Append(c, $"Read {v.ItemsRead} items of {v.Accounts} accounts back through the API in {v.Seconds:F1} s and compared {v.AcknowledgedItems} acknowledged items: ");
        sb.AppendLine(c, $"{v.Matched} match (data and version; {v.Tombstones} of them tombstones), {v.InDoubtWritesSurfaced} hold a write whose answer no device got ({v.InDoubtWrites} such writes in doubt), **{v.Findings.Count} wrong**.");
        sb.AppendLine();
        if (v.Findings.Count > 0)
        {
            sb.AppendLine(c, $"Wrong by kind: {string.Join(", ", v.FindingsByKind.Select(k => $"{k.Key} {k.Value}"))}.");
            sb.AppendLine("lost: an acknowledged write is gone and a device held it when the server lost data (or no data loss explains it); " +
                "superseded: an older copy handed back by another device replaced it (the acknowledged copy is in the conflict archive); " +
                "unrecoverable: gone with the server's data, and no device held it when the devices were told to resync; " +
                "appliedtwice: one mutation at two versions of one epoch; corrupted: other data at the acknowledged version.");
            sb.AppendLine();
            sb.AppendLine("| kind | account | item | acknowledged | server |");
            sb.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var f in v.Findings.Take(MaxFindingsListed))
            {
                sb.AppendLine(c, $"| {f.Kind} | {f.AccountId} | {f.ItemId} | {f.Expected} | {f.Actual} |");
            }

            if (v.Findings.Count > MaxFindingsListed)
            {
                sb.AppendLine(c, $"\n… and {v.Findings.Count - MaxFindingsListed} more (all are in report.json).");
            }

            sb.AppendLine();
        }

        if (r.Violations.Count > 0)
        {
            sb.AppendLine("## Protocol violations");
            sb.AppendLine();
            foreach (var (kind, count) in r.Violations)
            {
                sb.AppendLine(c, $"- {kind}: {count}");
            }

            foreach (var example in r.ViolationExamples)
            {
                sb.AppendLine(c, $"  - e.g. {example}");
            }
        }

        return sb.ToString();
    }
}
