using System.Collections.Concurrent;
using System.Diagnostics;

namespace DeviceSync.Testing;

/// <summary>
/// Every process a test started (Azurite replicas, silos, gateways), so that none outlives the test run: killed on
/// normal exit and on an unhandled exception, and by a watchdog shell per child when the test host itself is killed
/// outright (ProcessExit handlers do not run then).
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    public static void Track(Process process) => Live[process.Id] = process;

    /// <summary>SIGKILLs the process (and its children), waits for it, and forgets it.</summary>
    public static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Live.TryRemove(process.Id, out _);
        process.Dispose();
    }

    /// <summary>
    /// A tiny shell that SIGKILLs the child once this test process is gone, then deletes <paramref name="ownedFolder"/>
    /// if given. It exits on its own once the child is gone.
    /// </summary>
    public static Process? StartWatchdog(int childPid, string? ownedFolder = null)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // The folder goes as "$1" (never parsed by the shell), and only when the test process died, not when a test killed the child.
        var script =
            $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {childPid} 2>/dev/null; do sleep 1; done; " +
            $"if ! kill -0 {Environment.ProcessId} 2>/dev/null; then kill -9 {childPid} 2>/dev/null; if [ -n \"$1\" ]; then rm -rf -- \"$1\"; fi; fi; exit 0";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("devicesync-watchdog");
        start.ArgumentList.Add(ownedFolder ?? string.Empty);
        return Process.Start(start);
    }

    public static void StopWatchdog(Process? watchdog)
    {
        if (watchdog is null)
        {
            return;
        }

        try
        {
            if (!watchdog.HasExited)
            {
                watchdog.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        watchdog.Dispose();
    }

    private static void KillAll()
    {
        foreach (var process in Live.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        Live.Clear();
    }
}
