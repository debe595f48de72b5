using System.CommandLine;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Commands;

/// <summary>The harness's command line: <c>run</c> (the load harness with its checker), <c>bench</c> (micro-benchmarks) and <c>provision</c> (scale runs) and <c>events</c> (event sockets at scale).</summary>
public static class HarnessCommandLine
{
    public static RootCommand Build(IReadOnlyList<string> args) =>
        new("DeviceSync load harness: drives a gateway over HTTP as devices do and checks nothing was lost")
        {
            RunCommandLine.Build(args),
            BenchCommandLine.Build(args),
            ProvisionCommandLine.Build(args),
            EventsCommandLine.Build(args),
        };

    /// <summary>Parses and runs; a command line that does not parse prints why and exits 2.</summary>
    public static async Task<int> InvokeAsync(string[] args, CancellationToken ct = default)
    {
        var parse = Build(args).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await Console.Error.WriteLineAsync("(--help lists the options)");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(cancellationToken: ct);
    }
}
