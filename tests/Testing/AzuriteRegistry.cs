using System.Collections.Concurrent;
using System.Diagnostics;

namespace DeviceSync.Testing;

/// <summary>
/// Every Azurite this test process started, so that none outlives it: killed on normal exit and on an unhandled
/// exception; a watchdog shell (see <see cref="AzuriteProcess"/>) covers the test host being killed outright.
/// </summary>
internal static class AzuriteRegistry
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();

    static AzuriteRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    public static void Add(Process process) => Live[process.Id] = process;

    public static void Remove(Process process) => Live.TryRemove(process.Id, out _);

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
