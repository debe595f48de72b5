using System.Diagnostics;
using System.Text;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// Runs the <c>--at</c> commands at their moments of the load through <c>/bin/sh -c</c>, capturing exit code
/// and output (stdout and stderr together, at most 16 KiB) for the report. A command still running when the
/// run's checker is about to start is given a grace period, then killed.
/// </summary>
public sealed class CommandScheduler(IReadOnlyList<ScheduledCommand> commands, RunMetrics metrics, Action<string> log)
{
    private const int MaxOutput = 16 * 1024;
    private readonly List<Task<CommandOutcome>> _running = [];
    private long _graceEnds = long.MaxValue;

    public Task RunAsync(CancellationToken ct) => Task.Run(async () =>
    {
        foreach (var command in commands)
        {
            var wait = command.At - metrics.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            lock (_running)
            {
                _running.Add(RunOneAsync(command));
            }
        }
    }, ct);

    /// <summary>Waits for the commands that were started (up to <paramref name="grace"/>) and returns every outcome.</summary>
    public async Task<IReadOnlyList<CommandOutcome>> CollectAsync(TimeSpan grace)
    {
        Task<CommandOutcome>[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        Volatile.Write(ref _graceEnds, Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency));
        return await Task.WhenAll(running);
    }

    private async Task<CommandOutcome> RunOneAsync(ScheduledCommand command)
    {
        var startedAt = metrics.Elapsed;
        log($"--at {command.At.TotalSeconds:F0}s: running: {command.Command}");
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < MaxOutput)
                {
                    output.AppendLine(line);
                }
            }
        }

        try
        {
            using var process = new Process
            {
                StartInfo = new ProcessStartInfo("/bin/sh")
                {
                    ArgumentList = { "-c", command.Command },
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    RedirectStandardInput = true,
                    UseShellExecute = false,
                },
            };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            while (!process.HasExited)
            {
                if (Stopwatch.GetTimestamp() > Volatile.Read(ref _graceEnds))
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    return Outcome(command, startedAt, null, output, "still running when the run ended: killed");
                }

                await Task.Delay(50);
            }

            await process.WaitForExitAsync();
            log($"--at {command.At.TotalSeconds:F0}s: exit code {process.ExitCode}");
            return Outcome(command, startedAt, process.ExitCode, output, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return Outcome(command, startedAt, null, output, e.Message);
        }
    }

    private CommandOutcome Outcome(ScheduledCommand command, TimeSpan startedAt, int? exitCode, StringBuilder output, string? error)
    {
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        return new CommandOutcome
        {
            AtSeconds = command.At.TotalSeconds,
            Command = command.Command,
            StartedSeconds = startedAt.TotalSeconds,
            DurationSeconds = (metrics.Elapsed - startedAt).TotalSeconds,
            ExitCode = exitCode,
            Output = text,
            Error = error,
        };
    }
}
