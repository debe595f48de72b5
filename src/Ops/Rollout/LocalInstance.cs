using System.Diagnostics;
using System.Globalization;

namespace DeviceSync.Ops.Rollout;

/// <summary>
/// A silo or gateway process of a local or VM cluster started by <c>run.sh</c>, described by files in its run directory
/// (<c>.data/run</c>): <c>NAME.args</c> (its command-line arguments after the assembly, NUL-separated) and
/// <c>NAME.pid</c>, where NAME is <c>silo-N</c> or <c>gateway</c>. While a process is being replaced,
/// <c>NAME.rolling</c> exists, so run.sh does not take its brief absence for a crash; run.sh also stops the
/// replacement on Ctrl+C, as it reads the pid file again.
/// </summary>
public sealed class LocalInstance : IServiceInstance
{
    public const string SiloAssembly = "DeviceSync.Silo.dll";
    public const string GatewayAssembly = "DeviceSync.Gateway.dll";

    private readonly string _runDirectory;
    private readonly string _logPath;
    private readonly string _assemblyName;
    private readonly IReadOnlyList<string> _arguments;

    private LocalInstance(string runDirectory, string name, string assemblyName, IReadOnlyList<string> arguments, string logPath)
    {
        _runDirectory = runDirectory;
        Name = name;
        _assemblyName = assemblyName;
        _arguments = arguments;
        _logPath = logPath;
        var urls = arguments.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault()
            ?? throw new InvalidOperationException($"{name}: its arguments have no --urls (its HTTP address)");
        HttpAddress = new Uri(urls.Split(';')[0]);
    }

    public string Name { get; }

    /// <summary>
    /// Environment variables the replacement gets on top of the rollout's own. Secrets go here, never into the args
    /// file: a gateway's admin key (<c>SYNC_ADMIN_KEY</c>) is passed this way.
    /// </summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public Uri HttpAddress { get; }

    private string PidFile => Path.Combine(_runDirectory, Name + ".pid");

    private string RollingFile => Path.Combine(_runDirectory, Name + ".rolling");

    /// <summary>The silos described in <paramref name="runDirectory"/>, in name order; logs go to <c>../logs/NAME.log</c>.</summary>
    public static IReadOnlyList<LocalInstance> DiscoverSilos(string runDirectory) => Discover(runDirectory, "silo-*.args", SiloAssembly);

    /// <summary>The gateways described in <paramref name="runDirectory"/> (run.sh starts one, <c>gateway</c>).</summary>
    public static IReadOnlyList<LocalInstance> DiscoverGateways(string runDirectory) => Discover(runDirectory, "gateway*.args", GatewayAssembly);

    private static IReadOnlyList<LocalInstance> Discover(string runDirectory, string pattern, string assemblyName)
    {
        if (!Directory.Exists(runDirectory))
        {
            throw new DirectoryNotFoundException($"No run directory at {runDirectory}: is ./run.sh running (and DEVICESYNC_DATA the same)?");
        }

        var logs = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runDirectory).TrimEnd('/'))!, "logs");
        return Directory.GetFiles(runDirectory, pattern)
            .Order(StringComparer.Ordinal)
            .Select(file =>
            {
                var name = Path.GetFileNameWithoutExtension(file);
                var arguments = File.ReadAllText(file).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                return new LocalInstance(runDirectory, name, assemblyName, arguments, Path.Combine(logs, name + ".log"));
            })
            .ToList();
    }

    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken ct)
    {
        await File.WriteAllTextAsync(RollingFile, "", ct).ConfigureAwait(false);
        var pid = int.Parse((await File.ReadAllTextAsync(PidFile, ct).ConfigureAwait(false)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        if (!IsAlive(pid))
        {
            return true;
        }

        await SignalAsync("TERM", pid, ct).ConfigureAwait(false);
        var deadline = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (IsAlive(pid))
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                await SignalAsync("KILL", pid, ct).ConfigureAwait(false);
                return false;
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        return true;
    }

    public async Task StartAsync(string buildDirectory, CancellationToken ct)
    {
        var assembly = Path.Combine(Path.GetFullPath(buildDirectory), _assemblyName);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"The new build has no {_assemblyName}", assembly);
        }

        // Detached like run.sh's own children: its own session, output appended to the process's log.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$DEVICESYNC_PROCESS_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("setsid");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(assembly);
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["DEVICESYNC_PROCESS_LOG"] = _logPath;
        await File.AppendAllTextAsync(_logPath, $"===== rollout: starting {assembly} at {DateTimeOffset.UtcNow:O}\n", ct).ConfigureAwait(false);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Name}: could not start {assembly}");
        await File.WriteAllTextAsync(PidFile, process.Id.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
        File.Delete(RollingFile);
    }

    /// <summary>Alive and not a zombie (an exited child its parent has not reaped yet).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static async Task SignalAsync(string signal, int pid, CancellationToken ct)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(ct).ConfigureAwait(false);
    }
}
