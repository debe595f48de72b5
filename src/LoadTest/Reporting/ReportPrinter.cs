using System.Globalization;
using System.Text;

namespace DeviceSync.LoadTest.Reporting;

/// <summary>Renders a <see cref="BenchReport"/> as a plain-text table (one row per phase).</summary>
public static class ReportPrinter
{
    public static string Render(BenchReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"bench {report.Workload}  gateway={report.Gateway}  concurrency={report.Concurrency}  cpus={report.ProcessorCount}  started={report.StartedAt:u}");
        sb.AppendLine(c, $"{"phase",-10} {"secs",7} {"workers",7} {"requests",9} {"ok",9} {"req/s",9} {"units",10} {"units/s",10} {"unit",-16} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",8}  errors");
        foreach (var p in report.Phases)
        {
            var errors = p.Errors.Count == 0 ? "-" : string.Join(", ", p.Errors.Select(e => $"{e.Key}×{e.Value}"));
            sb.AppendLine(c, $"{p.Name,-10} {p.Seconds,7:F1} {p.Workers,7} {p.Requests,9} {p.Succeeded,9} {p.RequestsPerSecond,9:F1} {p.Units,10} {p.UnitsPerSecond,10:F1} {p.Unit,-16} {p.LatencyMs.P50,8:F1} {p.LatencyMs.P90,8:F1} {p.LatencyMs.P99,8:F1} {p.LatencyMs.Max,8:F1}  {errors}");
        }

        foreach (var check in report.Checks)
        {
            sb.AppendLine(c, $"check: {check}");
        }

        if (report.Violations.Count > 0)
        {
            sb.AppendLine("PROTOCOL VIOLATIONS:");
            foreach (var (kind, count) in report.Violations)
            {
                sb.AppendLine(c, $"  {kind}: {count}");
            }

            foreach (var example in report.ViolationExamples)
            {
                sb.AppendLine(c, $"  e.g. {example}");
            }
        }

        sb.AppendLine(report.Clean ? "result: clean" : "result: FAILED (5xx, transport errors or protocol violations above)");
        return sb.ToString();
    }
}
