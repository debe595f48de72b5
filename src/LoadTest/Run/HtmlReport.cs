using System.Globalization;
using System.Net;
using System.Text;

namespace DeviceSync.LoadTest.Run;

/// <summary>report.html: one self-contained page (inline SVG and CSS, no script) with throughput and latency over time, then report.md's content.</summary>
public static class HtmlReport
{
    public static string Render(RunReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var markers = r.Commands.Select(cmd => (cmd.StartedSeconds, $"--at {cmd.AtSeconds:F0}s {cmd.Command}")).ToList();
        var t = r.Timeline;
        var throughput = SvgChart.Render("Throughput", "per second",
        [
            ("operations", "#1f77b4", [.. t.Select(p => (double)p.Operations)]),
            ("acked writes", "#2ca02c", [.. t.Select(p => (double)p.Acknowledged)]),
            ("errors", "#d62728", [.. t.Select(p => (double)p.Errors)]),
        ], markers);
        var latency = SvgChart.Render("Latency of successful requests", "ms",
        [
            ("p50", "#1f77b4", [.. t.Select(p => p.P50Ms)]),
            ("p99", "#ff7f0e", [.. t.Select(p => p.P99Ms)]),
        ], markers);
        var max = SvgChart.Render("Maximum latency", "ms", [("max", "#9467bd", [.. t.Select(p => p.MaxMs)])], markers);

        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>");
        sb.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine(c, $"<title>DeviceSync load run {WebUtility.HtmlEncode(r.RunId)}</title>");
        sb.AppendLine("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:960px}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}.ok{color:#080}.bad{color:#c00}</style>");
        sb.AppendLine("</head><body>");
        sb.AppendLine(c, $"<h1>DeviceSync load run {WebUtility.HtmlEncode(r.RunId)}</h1>");
        sb.AppendLine(c, $"<p class=\"{(r.ExitCode == 0 ? "ok" : "bad")}\"><strong>{WebUtility.HtmlEncode(r.Verdict)}</strong> (exit code {r.ExitCode})</p>");
        sb.AppendLine(c, $"<p>{r.Devices} devices, {r.OperationsPerSecond:F0} operations/s, {r.AcknowledgedWritesPerSecond:F0} acknowledged writes/s, p50 {r.LatencyMs.P50:F1} ms, p99 {r.LatencyMs.P99:F1} ms, max {r.LatencyMs.Max:F1} ms; red dashed lines mark <code>--at</code> commands.</p>");
        sb.AppendLine(throughput);
        sb.AppendLine(latency);
        sb.AppendLine(max);
        sb.AppendLine("<h2>Report</h2>");
        sb.AppendLine(c, $"<pre>{WebUtility.HtmlEncode(MarkdownReport.Render(r))}</pre>");
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }
}
