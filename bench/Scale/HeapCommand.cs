using System.CommandLine;
using System.Text.Json;
using DeviceSync.LoadTest.Reporting;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// <c>heap</c>: one measured step of a cluster started by <c>hold --info FILE</c> (heap after a forced full GC per silo,
/// activations, storage bytes). With <c>--steps FILE</c> the step is appended to the earlier ones and the table of
/// all of them is printed, growth per unit included: how the long provisioning run gets its memory figures.
/// </summary>
public static class HeapCommand
{
    public static Command Build()
    {
        var info = new Option<string>("--info") { Description = "the file hold --info wrote", Required = true };
        var label = new Option<string>("--label") { Description = "what this step is", DefaultValueFactory = _ => "now" };
        var units = new Option<long>("--units") { Description = "units added since the previous step (for growth per unit)", DefaultValueFactory = _ => 0 };
        var unit = new Option<string>("--unit") { Description = "what a unit is: account, collection, item", DefaultValueFactory = _ => "" };
        var steps = new Option<string?>("--steps") { Description = "JSON file of earlier steps: this one is appended, and all are printed as a table" };
        var gcdump = new Option<string?>("--gcdump") { Description = "path of dotnet-gcdump (default: ~/.dotnet/tools/dotnet-gcdump, else PATH)" };
        var command = new Command("heap", "measure a running cluster (from hold --info): heap per silo after a forced full GC, activations, storage")
        {
            info, label, units, unit, steps, gcdump,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(parse.GetValue(info)!, ct));
            var root = document.RootElement;
            var silos = root.GetProperty("silos").EnumerateArray()
                .Select(s => (s.GetProperty("name").GetString()!, s.GetProperty("pid").GetInt32(), new Uri(new Uri(s.GetProperty("http").GetString()!), "/metrics")))
                .ToList();
            var replicas = root.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("location").GetString()!).ToList();
            var work = Directory.CreateTempSubdirectory("devicesync-scale-");
            try
            {
                var probe = new ClusterProbe(
                    new Uri(root.GetProperty("gateway").GetString()!), root.GetProperty("adminKey").GetString()!, silos, replicas,
                    new HeapProbe(HeapProbe.FindTool(parse.GetValue(gcdump)), work.FullName));
                var step = await probe.MeasureAsync(parse.GetValue(label)!, parse.GetValue(units), parse.GetValue(unit)!, ct);
                Console.WriteLine(MemoryCommand.Describe(step));
                if (parse.GetValue(steps) is { } path)
                {
                    var all = File.Exists(path)
                        ? JsonSerializer.Deserialize<List<MemoryStep>>(await File.ReadAllTextAsync(path, ct), JsonReport.Options) ?? []
                        : [];
                    all.Add(step);
                    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(all, JsonReport.Options) + "\n", CancellationToken.None);
                    Console.Write(MemoryCommand.Render(all));
                }

                return 0;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }
}
