using System.CommandLine;
using DeviceSync.Ops.Backups;
using DeviceSync.Ops.Rollout;
using DeviceSync.Ops.Storage;

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
            RelayoutCommand.Build(),
        };

    /// <summary><c>--gateway</c>, defaulting to run.sh's gateway.</summary>
    public static Option<Uri> GatewayOption(string description) => new("--gateway")
    {
        Description = description,
        DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),

        // System.CommandLine has no built-in conversion to Uri: without this, passing --gateway fails at GetValue.
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            r.AddError($"--gateway must be an absolute http(s) address, not '{text}'.");
            return null!;
        },
    };

    /// <summary>
    /// A connection string from its option, else the environment variable, else the file <c>./run.sh</c> wrote into its
    /// run folder (<c>$DEVICESYNC_DATA/run</c>, <c>./.data/run</c> by default); null when none of them has one.
    /// </summary>
    public static string? ConnectionString(string? option, string environmentVariable, string runFile)
    {
        var value = option ?? Environment.GetEnvironmentVariable(environmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            var file = Path.Combine(Environment.GetEnvironmentVariable("DEVICESYNC_DATA") ?? ".data", "run", runFile);
            value = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

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
