using System.Diagnostics;
using System.Text;

namespace DeviceSync.Testing;

/// <summary>
/// One real Azurite process (blob, queue and table) on free loopback ports with its own data folder: a storage
/// replica a test can crash (<see cref="Kill"/>), stop, restart on the same ports and folder, or wipe.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The well-known Azurite account key (public, documented by Microsoft).</summary>
    public const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string DevAccountName = "devstoreaccount1";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private const int ServiceCount = 3; // blob, queue, table
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private readonly bool _ownsLocation;
    private readonly StringBuilder _output = new();
    private int _servicesClosed;
    private Process? _process;
    private Process? _watchdog;
    private bool _disposed;

    private AzuriteProcess(string location, bool ownsLocation, IReadOnlyList<int> ports, bool inMemory)
    {
        Location = location;
        InMemory = inMemory;
        _ownsLocation = ownsLocation;
        BlobPort = ports[0];
        QueuePort = ports[1];
        TablePort = ports[2];
    }

    public string Location { get; }

    /// <summary>
    /// Keeps its data in memory only (Azurite's <c>--inMemoryPersistence</c>): gone when the process stops. For scale
    /// measurements only: with data on disk, Azurite rewrites its whole database file every 5 s, which at a few hundred
    /// MB stalls every request (docs/benchmarks.md, "Provisioning without a read first"). Never for a durability test.
    /// </summary>
    public bool InMemory { get; }

    public int BlobPort { get; }

    /// <summary>
    /// Azurite insists on a queue service that nothing here uses, so its port is not kept across a restart: each relaunch
    /// takes a fresh one, since another process may have taken the old one meanwhile (a CI run: EADDRINUSE on a wipe).
    /// </summary>
    public int QueuePort { get; private set; }

    public int TablePort { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccountName};AccountKey={DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{DevAccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{DevAccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{DevAccountName};";

    /// <summary>Starts an Azurite on free ports, in <paramref name="location"/> or a fresh temp folder, and waits until it answers.</summary>
    public static async Task<AzuriteProcess> StartAsync(string? location = null, bool inMemory = false, CancellationToken cancellationToken = default)
    {
        var ownsLocation = location is null;
        location ??= Path.Combine(Path.GetTempPath(), "devicesync-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);

        // A free port can be taken by someone else between our probe and Azurite's bind: retry with new ports.
        for (var attempt = 1; ; attempt++)
        {
            var azurite = new AzuriteProcess(location, ownsLocation, FreePorts.Take(3), inMemory);
            try
            {
                await azurite.LaunchAsync(cancellationToken).ConfigureAwait(false);
                return azurite;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                azurite.KillProcess();
            }
        }
    }

    /// <summary>Crashes the process (SIGKILL): whatever Azurite had not yet saved (up to ~5 s of writes) is lost.</summary>
    public void Kill()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        KillProcess();
    }

    /// <summary>Freezes the process (SIGSTOP): its ports stay open but nothing answers, like a hung replica.</summary>
    public void Pause()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is { HasExited: false } process)
        {
            NativeSignals.Stop(process.Id);
        }
    }

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public void Resume()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is { HasExited: false } process)
        {
            NativeSignals.Continue(process.Id);
        }
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM) and, once Azurite says its blob, queue and table services have closed (each
    /// saves its data first), kills it: it may linger after that (FACTS.md; with telemetry on, 145 s measured), and it
    /// is killed anyway after a grace period. Nothing written before the stop is lost (a crash is <see cref="Kill"/>).
    /// </summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            NativeSignals.Continue(process.Id); // a paused process would not act on SIGTERM
        }

        if (!process.HasExited && NativeSignals.Terminate(process.Id))
        {
            var stopping = Stopwatch.GetTimestamp();
            while (!process.HasExited && Volatile.Read(ref _servicesClosed) < ServiceCount && Stopwatch.GetElapsedTime(stopping) < StopGrace)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }
        }

        KillProcess();
    }

    /// <summary>Stops the process if running and starts it again on the same blob and table ports and folder.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await StopAsync().ConfigureAwait(false);
        QueuePort = FreePorts.Take();
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the process, deletes its data folder and starts it empty on the same blob and table ports.</summary>
    public async Task WipeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await StopAsync().ConfigureAwait(false);
        DeleteLocation();
        Directory.CreateDirectory(Location);
        QueuePort = FreePorts.Take();
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        KillProcess();
        if (_ownsLocation)
        {
            DeleteLocation();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static string FindAzurite()
    {
        var starts = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                if (File.Exists(Path.Combine(dir.FullName, "package.json")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                {
                    break; // the repository root, without node_modules
                }
            }
        }

        throw new InvalidOperationException(
            "Azurite not found: no node_modules/.bin/azurite above " + Directory.GetCurrentDirectory() +
            ". Run `npm ci` in the repository root (package.json pins azurite).");
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(FindAzurite())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var argument in new[]
                 {
                     "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (InMemory)
        {
            // Azurite refuses a location with in-memory persistence; its folder stays its working directory.
            start.ArgumentList.Add("--inMemoryPersistence");
            start.WorkingDirectory = Location;
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(Location);
        }

        lock (_output)
        {
            _output.Clear();
        }

        Volatile.Write(ref _servicesClosed, 0);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("Azurite did not start.");
        }

        _process = process;
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _watchdog = ChildProcesses.StartWatchdog(process.Id, _ownsLocation ? Location : null);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartDeadline);
        try
        {
            // Ready when this process says it listens on both ports, not when something answers there: a port taken by
            // another test's Azurite between our probe and the bind would answer for it while ours exits on EADDRINUSE,
            // and the test would write to a replica it does not own (a CI run: connection refused later, mid-test).
            while (!ListensOn(BlobPort) || !ListensOn(TablePort))
            {
                if (process.HasExited)
                {
                    // HasExited can be seen before the output readers have delivered its last lines (the EADDRINUSE
                    // error, say); the untimed WaitForExit also waits for them to reach the end of the streams.
                    process.WaitForExit();
                    throw new InvalidOperationException(
                        $"Azurite exited with code {process.ExitCode} before answering on ports {BlobPort}/{TablePort}: {CapturedOutput()}");
                }

                await Task.Delay(50, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            KillProcess();
            throw new TimeoutException($"Azurite did not answer on ports {BlobPort}/{TablePort} within {StartDeadline}: {CapturedOutput()}");
        }
    }

    /// <summary>Whether this process has printed Azurite's own "successfully listening" line for <paramref name="port"/>.</summary>
    private bool ListensOn(int port) =>
        CapturedOutput().Contains(
            $"service is successfully listening at http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}{Environment.NewLine}",
            StringComparison.Ordinal);

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        // "Azurite Blob service successfully closed", likewise Queue and Table: counted apart from the capped output.
        if (line.EndsWith("service successfully closed", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _servicesClosed);
        }

        lock (_output)
        {
            if (_output.Length < 16_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string CapturedOutput()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private void KillProcess()
    {
        var process = _process;
        _process = null;
        ChildProcesses.Kill(process);
        ChildProcesses.StopWatchdog(_watchdog);
        _watchdog = null;
    }

    private void DeleteLocation()
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(Location); attempt++)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
                // A file still being released; try again.
            }
        }
    }
}
