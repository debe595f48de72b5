using System.Net.Http.Json;
using System.Text.Json;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// Reads a running cluster's state for a scale step: every silo's heap after a forced full GC (<see cref="HeapProbe"/>),
/// activations per silo (the gateway's <c>/v1/admin/cluster</c>, Orleans' runtime statistics) and the bytes the
/// storage replicas hold on disk.
/// </summary>
public sealed class ClusterProbe(
    Uri gateway, string adminKey, IReadOnlyList<(string Name, int Pid, Uri Metrics)> silos, IReadOnlyList<string> replicaFolders, HeapProbe heap)
{
    public async Task<MemoryStep> MeasureAsync(string name, long units, string unit, CancellationToken ct)
    {
        // Azurite saves its tables every few seconds: let it write before counting its files.
        await Task.Delay(TimeSpan.FromSeconds(7), ct);
        var activations = await ActivationsAsync(ct);
        var samples = new List<HeapSample>();
        foreach (var (siloName, pid, metrics) in silos)
        {
            samples.Add(await heap.MeasureAsync(siloName, pid, metrics, ct));
        }

        return new MemoryStep(name, units, unit, samples, activations, StorageBytes(), DateTimeOffset.UtcNow);
    }

    /// <summary>Bytes on disk under every replica's data folder.</summary>
    public long StorageBytes() =>
        replicaFolders.Sum(r => new DirectoryInfo(r).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length));

    private async Task<IReadOnlyDictionary<string, int>> ActivationsAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("x-admin-key", adminKey);
        using var body = await http.GetFromJsonAsync<JsonDocument>("/v1/admin/cluster", ct) ?? throw new InvalidOperationException("no cluster answer");
        return body.RootElement.GetProperty("silos").EnumerateArray().ToDictionary(
            s => s.GetProperty("address").GetString()!,
            s => s.GetProperty("activationCount").ValueKind == JsonValueKind.Number ? s.GetProperty("activationCount").GetInt32() : -1,
            StringComparer.Ordinal);
    }
}
