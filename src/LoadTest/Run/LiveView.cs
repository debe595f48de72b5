using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// Shows progress about once a second while the load runs: a Spectre.Console table on an interactive terminal,
/// plain lines when output is redirected (CI logs, tests) or <c>--plain</c> was given.
/// </summary>
public sealed class LiveView(RunMetrics metrics, RunOptions options)
{
    private readonly List<string> _events = [];

    public bool Rich { get; } = !options.Plain && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Something worth showing under the figures (an --at command ran, ...); also printed as a line in plain mode.</summary>
    public void Log(string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"[{metrics.Elapsed.TotalSeconds,5:F1}s] {message}");
        lock (_events)
        {
            _events.Add(line);
        }

        if (!Rich)
        {
            Console.Out.WriteLine(line);
        }
    }

    public async Task ShowUntilAsync(Task load)
    {
        if (!Rich)
        {
            while (await Task.WhenAny(load, Task.Delay(1000)) != load)
            {
                Console.Out.WriteLine(PlainLine());
            }

            Console.Out.WriteLine(PlainLine());
            return;
        }

        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async ctx =>
        {
            while (await Task.WhenAny(load, Task.Delay(1000)) != load)
            {
                ctx.UpdateTarget(Render());
            }

            ctx.UpdateTarget(Render());
        });
    }

    private string PlainLine()
    {
        var last = metrics.LastCompleteSecond();
        var errors = metrics.ErrorsByCode();
        return string.Create(CultureInfo.InvariantCulture,
            $"[{metrics.Elapsed.TotalSeconds,5:F1}s] {RampText()}ops/s {last?.Operations ?? 0,6}  p50 {last?.P50Ms ?? 0,7:F1} ms  p99 {last?.P99Ms ?? 0,7:F1} ms  max {last?.MaxMs ?? 0,7:F1} ms  " +
            $"ops {metrics.Operations}  acked writes {metrics.Acknowledged}  conflicts {metrics.Conflicts}  retries {metrics.Retries} (retry-after {metrics.RetryAfters})  failures {metrics.Failures}  " +
            $"errors {(errors.Count == 0 ? "-" : string.Join(",", errors.Select(e => $"{e.Key}×{e.Value}")))}");
    }

    private IRenderable Render()
    {
        var last = metrics.LastCompleteSecond();
        var elapsed = metrics.Elapsed.TotalSeconds;
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded)
            .Title(string.Create(c, $"DeviceSync load · {options.Devices} devices · {elapsed:F0}/{options.Duration.TotalSeconds:F0} s"))
            .AddColumn("")
            .AddColumn(new TableColumn("last second").RightAligned())
            .AddColumn(new TableColumn("whole run").RightAligned());
        table.AddRow("operations/s", F(last?.Operations ?? 0), F(elapsed > 0 ? metrics.Operations / elapsed : 0));
        table.AddRow("requests/s", F(last?.Requests ?? 0), F(elapsed > 0 ? metrics.Requests / elapsed : 0));
        table.AddRow("latency p50 / p99 / max (ms)",
            last is null ? "-" : string.Create(c, $"{last.P50Ms:F1} / {last.P99Ms:F1} / {last.MaxMs:F1}"), "");
        table.AddRow("acknowledged writes", F(last?.Acknowledged ?? 0), F(metrics.Acknowledged));
        table.AddRow("conflicts", "", F(metrics.Conflicts));
        table.AddRow("retries (after Retry-After)", F(last?.Retries ?? 0), string.Create(c, $"{F(metrics.Retries)} ({F(metrics.RetryAfters)})"));
        table.AddRow(metrics.Failures > 0 ? "[red]device-visible failures[/]" : "device-visible failures", F(last?.Failures ?? 0), F(metrics.Failures));
        var errors = metrics.ErrorsByCode();
        table.AddRow("errors by code", "", errors.Count == 0 ? "-" : Markup.Escape(string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}"))));
        if (options.OpenLoop)
        {
            table.AddRow("missed open-loop slots", "", F(metrics.MissedSlots));
        }

        if (options.RampUp > TimeSpan.Zero)
        {
            table.AddRow("ramp-up", "", Markup.Escape(RampText().TrimEnd()));
        }

        string[] recent;
        lock (_events)
        {
            recent = [.. _events.TakeLast(5)];
        }

        return recent.Length == 0
            ? table
            : new Rows(table, new Text(string.Join('\n', recent)));
    }

    /// <summary>While <c>--ramp-up</c> runs: how far it has got (devices started, or the open loop's current rate).</summary>
    private string RampText()
    {
        if (options.RampUp <= TimeSpan.Zero)
        {
            return "";
        }

        var elapsed = metrics.Elapsed;
        var c = CultureInfo.InvariantCulture;
        var done = elapsed >= options.RampUp ? "done" : string.Create(c, $"{elapsed.TotalSeconds:F0}/{options.RampUp.TotalSeconds:F0} s");
        return options.OpenLoop
            ? string.Create(c, $"ramp {done}, rate {RampUp.RateAt(elapsed, options.Rate!.Value, options.RampUp):F0}/{options.Rate:F0}/s  ")
            : string.Create(c, $"ramp {done}, started {metrics.DevicesStarted}/{options.ClosedLoopConcurrency}  ");
    }

    private static string F(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
