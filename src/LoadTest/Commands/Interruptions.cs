using System.Runtime.InteropServices;

namespace DeviceSync.LoadTest.Commands;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for the harness process. The first ends <c>run</c>'s load early: the operations in
/// flight finish, pending writes are settled and the checker still reads everything back, so a long soak stopped by
/// hand keeps its verdict and its reports. Every other command stops at the first. The second aborts <c>run</c> too;
/// a third ends the process at once, for a command that does not stop.
/// </summary>
public sealed class Interruptions : IDisposable
{
    private readonly CancellationTokenSource _first = new();
    private readonly CancellationTokenSource _second = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _count;

    public Interruptions()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled by the first interruption.</summary>
    public CancellationToken EndLoad => _first.Token;

    /// <summary>Cancelled by the second.</summary>
    public CancellationToken Abort => _second.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _first.Dispose();
        _second.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        switch (Interlocked.Increment(ref _count))
        {
            case 1:
                context.Cancel = true; // the process ends when the command has, with its own exit code
                Console.Error.WriteLine("interrupted: ending (Ctrl+C again aborts a run without a verdict, a third time ends the process)");
                _first.Cancel();
                break;
            case 2:
                context.Cancel = true;
                _second.Cancel();
                break;
            default:
                break; // the runtime's default: the process ends now
        }
    }
}
