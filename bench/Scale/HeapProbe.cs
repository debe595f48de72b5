using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// The managed heap of a running silo after a full, blocking GC: <c>dotnet-gcdump collect</c> induces a gen-2 GC
/// and walks every live object; right after it the silo's <c>/metrics</c> (.NET's System.Runtime meter) gives the
/// heap size that GC left and its fragmentation, whose difference is the live heap too. Two readings of one GC:
/// on .NET 10 the gcdump walk may drop events on large heaps (it says "lossy buffering"), the runtime's own
/// counters do not, so the metric is the figure and the walk a cross-check. Plus the resident set from /proc.
/// Counting live objects after a forced GC is what makes a per-grain figure stable: allocation garbage and how
/// far the GC had got are taken out of the number.
/// </summary>
public sealed partial class HeapProbe(string gcdumpTool, string workDirectory)
{
    public static string FindTool(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var installed = Path.Combine(home, ".dotnet", "tools", "dotnet-gcdump");
        return File.Exists(installed) ? installed : "dotnet-gcdump";
    }

    public async Task<HeapSample> MeasureAsync(string name, int pid, Uri metrics, CancellationToken ct)
    {
        var file = Path.Combine(workDirectory, $"{name}-{pid}-{Stopwatch.GetTimestamp()}.gcdump");
        var collect = await RunAsync(["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", file], ct);
        // The Prometheus exporter caches a scrape for 300 ms: wait past that so the figures are from after this GC.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var scrape = await http.GetStringAsync(metrics, ct);
        var report = await RunAsync(["report", file], ct);
        File.Delete(file);
        var live = SumMetric(scrape, "dotnet_gc_last_collection_heap_size_bytes") - SumMetric(scrape, "dotnet_gc_last_collection_heap_fragmentation_size_bytes");
        return new HeapSample(name, pid, live, ParseWalkTotal(report, collect), ReadRss(pid));
    }

    /// <summary>The "GC Heap bytes" total at the top of <c>dotnet-gcdump report</c>: the bytes of every object the walk saw.</summary>
    internal static long ParseWalkTotal(string report, string collectOutput)
    {
        var m = WalkTotal().Match(report);
        return m.Success
            ? long.Parse(m.Groups["bytes"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"dotnet-gcdump gave no heap figure.\ncollect: {collectOutput}\nreport: {report}");
    }

    /// <summary>The sum over every label set (the GC generations) of one metric in Prometheus text.</summary>
    internal static long SumMetric(string scrape, string metric)
    {
        double total = 0;
        var found = false;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && (line[metric.Length] == '{' || line[metric.Length] == ' '))
            {
                // name{labels} value [timestamp]
                var rest = line[metric.Length] == '{' ? line[(line.LastIndexOf('}') + 1)..] : line[metric.Length..];
                var value = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                total += double.Parse(value, CultureInfo.InvariantCulture);
                found = true;
            }
        }

        return found ? (long)total : throw new InvalidOperationException($"{metric} is not on the silo's /metrics (is the System.Runtime meter on?)");
    }

    private static long ReadRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(gcdumpTool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{gcdumpTool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout + await stderr;
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{gcdumpTool} {string.Join(' ', arguments)} exited {process.ExitCode}: {output}");
    }

    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+GC Heap bytes", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex WalkTotal();
}
