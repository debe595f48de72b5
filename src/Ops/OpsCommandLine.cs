using System.CommandLine;
using DeviceSync.Ops.Backups;
using DeviceSync.Ops.Rollout;

namespace DeviceSync.Ops;

/// <summary>The operator tool's command line.</summary>
public static class OpsCommandLine
{
    public const int Usage = 2;

    public static RootCommand Build() =>
        new("DeviceSync operator commands")
        {
            RolloutCommand.Build(),
            BackupsCommand.Build(),
            RestoreCommand.Build(),
            DrillCommand.Build(),
        };

    /// <summary>Parses and runs; a command line that does not parse prints why and exits 2.</summary>
    public static async Task<int> InvokeAsync(string[] args, CancellationToken ct = default)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await Console.Error.WriteLineAsync("(--help lists the options)");
            return Usage;
        }

        return await parse.InvokeAsync(cancellationToken: ct);
    }
}
