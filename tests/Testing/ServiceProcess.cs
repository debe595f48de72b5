using System.Diagnostics;

namespace DeviceSync.Testing;

/// <summary>
/// One real DeviceSync process (a silo or the gateway) started from its built assembly with command-line
/// configuration, its output in a log file. Tests crash it (<see cref="Kill"/>, like kill -9), stop it gracefully
/// (SIGTERM, like an orchestrator) and start it again with the same settings.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);
    private readonly IReadOnlyList<string> _arguments;
    private Process? _process;
    private Process? _watchdog;

    public ServiceProcess(string name, string assembly, Uri httpAddress, IReadOnlyList<string> arguments, string logDirectory)
    {
        Name = name;
        Assembly = assembly;
        HttpAddress = httpAddress;
        _arguments = arguments;
        LogPath = Path.Combine(logDirectory, name + ".log");
    }

    public string Name { get; }

    /// <summary>The service's assembly; a rolling-upgrade test points it at another build before starting again.</summary>
    public string Assembly { get; set; }

    public Uri HttpAddress { get; }

    public string LogPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => _process?.Id;

    /// <summary>Starts the process and waits until its <c>/readyz</c> answers 200.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        Launch();
        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Launch()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Assembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(HttpAddress.ToString().TrimEnd('/'));
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment.Remove("SYNC_ADMIN_KEY");

        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        log.WriteLine($"===== start {DateTimeOffset.UtcNow:O}");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Exited += (_, _) => Write(log, $"===== exited {DateTimeOffset.UtcNow:O}");
        if (!process.Start())
        {
            throw new InvalidOperationException($"{Name} did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        ChildProcesses.Track(process);
        _watchdog = ChildProcesses.StartWatchdog(process.Id);
    }

    public async Task WaitReadyAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var readyz = new Uri(HttpAddress, "/readyz");
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < ReadyDeadline)
        {
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException($"{Name} exited before it was ready. Log: {LogPath}\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(readyz, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    // Another process on this port could answer too; ours must at least still be running.
                    if (_process is not { HasExited: false })
                    {
                        throw new InvalidOperationException($"{Name} exited; something else answered on {HttpAddress}. Log: {LogPath}\n{Tail()}");
                    }

                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // One probe timed out; try again.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{Name} was not ready within {ReadyDeadline}. Log: {LogPath}\n{Tail()}");
    }

    /// <summary>SIGKILL: no graceful shutdown, nothing flushed — a crash.</summary>
    public void Kill()
    {
        var process = _process;
        _process = null;
        ChildProcesses.Kill(process);
        ChildProcesses.StopWatchdog(_watchdog);
        _watchdog = null;
    }

    /// <summary>
    /// Freezes the process (SIGSTOP): its sockets stay open but nothing answers, like a host that hung or fell off the
    /// network. Nobody sees a connection close; only failure detection notices. <see cref="Kill"/> ends it.
    /// </summary>
    public void Freeze()
    {
        if (_process is { HasExited: false } process)
        {
            NativeSignals.Stop(process.Id);
        }
    }

    /// <summary>SIGTERM and wait (graceful shutdown), then SIGKILL whatever is left after <paramref name="grace"/>.</summary>
    /// <returns>False if the process had to be killed.</returns>
    public async Task<bool> StopAsync(TimeSpan? grace = null)
    {
        var process = _process;
        if (process is null)
        {
            return true;
        }

        var exited = process.HasExited;
        if (!exited && NativeSignals.Terminate(process.Id))
        {
            using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(45));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                exited = true;
            }
            catch (OperationCanceledException)
            {
                // Fall through to SIGKILL.
            }
        }

        Kill();
        return exited;
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }
}
