using System.Runtime.InteropServices;

namespace DeviceSync.Testing;

/// <summary>POSIX signals by pid: .NET's <see cref="System.Diagnostics.Process.Kill()"/> only sends SIGKILL.</summary>
public static partial class NativeSignals
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Sends SIGTERM; returns false if the process is gone (or the platform has no POSIX signals).</summary>
    public static bool Terminate(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        return Kill(pid, SigTerm) == 0;
    }

    /// <summary>Sends SIGSTOP (freeze).</summary>
    public static bool Stop(int pid) => !OperatingSystem.IsWindows() && Kill(pid, SigStop) == 0;

    /// <summary>Sends SIGCONT (thaw).</summary>
    public static bool Continue(int pid) => !OperatingSystem.IsWindows() && Kill(pid, SigCont) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
