using System.CommandLine;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Commands;

/// <summary>The harness's command line: <c>run</c> (the load harness with its checker), <c>bench</c> (micro-benchmarks) and <c>provision</c> (scale runs) and <c>events</c> (event sockets at scale).</summary>
public static class HarnessCommandLine
{
    public static RootCommand Build(IReadOnlyList<string> args, CancellationToken endLoad = default) =>
        new("DeviceSync load harness: drives a gateway over HTTP as devices do and checks nothing was lost")
        {
            RunCommandLine.Build(args, endLoad),
            BenchCommandLine.Build(args),
            ProvisionCommandLine.Build(args),
            EventsCommandLine.Build(args),
        };

    /// <summary>
    /// Parses and runs; a command line that does not parse prints why and exits 2. <paramref name="abort"/> stops any
    /// command without a verdict; <paramref name="endLoad"/> ends <c>run</c>'s load early (it still checks and reports)
    /// and stops every other command (<see cref="Interruptions"/>: the first and the second Ctrl+C).
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, CancellationToken abort = default, CancellationToken endLoad = default)
    {
        var parse = Build(args, endLoad).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await Console.Error.WriteLineAsync("(--help lists the options)");
            return ExitCodes.Usage;
        }

        using var abortOrEnd = CancellationTokenSource.CreateLinkedTokenSource(abort, endLoad);
        var ct = parse.CommandResult.Command.Name == RunCommandLine.Name ? abort : abortOrEnd.Token;

        // The process's signals are Interruptions' (Program.cs); a test calling in-process passes its own tokens.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, ct);
    }
}
