using System.Diagnostics;

namespace DeviceSync.Testing;

/// <summary>
/// The previous release's silo, built from git history into a temporary folder (once per machine and commit), so
/// tests can start a cluster on it and roll it to this build. The release is tag v0.1.0; it is named by its commit
/// too, so a clone without tags finds it.
/// </summary>
public static class PreviousRelease
{
    /// <summary>Tag v0.1.0: protocol v1 end to end (issue 2).</summary>
    public const string Commit = "54de959";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The path of the previous release's DeviceSync.Silo.dll, building it first if needed (about a minute).</summary>
    public static async Task<string> SiloAssemblyAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var root = Path.Combine(Path.GetTempPath(), "devicesync-release-" + Commit);
            var silo = Path.Combine(root, "src", "Silo", "bin", "Release", "net10.0", "DeviceSync.Silo.dll");
            if (File.Exists(silo))
            {
                return silo;
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            Directory.CreateDirectory(root);
            var archive = Path.Combine(Path.GetTempPath(), $"devicesync-release-{Commit}-{Guid.NewGuid():N}.tar");
            await RunAsync("git", ["-C", RepositoryLayout.Root, "archive", "--format=tar", "-o", archive, Commit], "git archive (needs the repository's history: not a shallow clone)").ConfigureAwait(false);
            await RunAsync("tar", ["-xf", archive, "-C", root], "tar").ConfigureAwait(false);
            File.Delete(archive);
            await RunAsync("dotnet", ["build", Path.Combine(root, "src", "Silo", "Silo.csproj"), "-c", "Release", "-nologo", "-v:q", "-clp:ErrorsOnly"], "dotnet build of the previous release").ConfigureAwait(false);
            return File.Exists(silo) ? silo : throw new InvalidOperationException($"The previous release built, but {silo} is missing.");
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, string what)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{what}: could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed ({process.ExitCode}):\n{await output.ConfigureAwait(false)}\n{await error.ConfigureAwait(false)}");
        }
    }
}
