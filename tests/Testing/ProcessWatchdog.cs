using System.Diagnostics;

namespace DeviceSync.Testing;

/// <summary>
/// A tiny shell that SIGKILLs a child once this test process is gone, even if the test host itself was killed
/// (ProcessExit handlers do not run then). It exits on its own once the child is gone.
/// </summary>
internal static class ProcessWatchdog
{
    public static Process? Start(int childPid)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {childPid} 2>/dev/null; do sleep 1; done; kill -9 {childPid} 2>/dev/null; exit 0";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return Process.Start(start);
    }

    public static void Stop(Process? watchdog)
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
}
