using System.CommandLine;

namespace DeviceSync.Bench.Scale;

/// <summary>The command line of bench/Scale: <c>memory</c>, <c>hold</c> and <c>heap</c>.</summary>
public static class ScaleCommandLine
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("DeviceSync scale figures against real silo, gateway and Azurite processes on free ports")
        {
            MemoryCommand.Build(),
            HoldCommand.Build(),
            HeapCommand.Build(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            return 2;
        }

        return await parse.InvokeAsync();
    }
}
