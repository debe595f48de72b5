using System.Text.Json;
using DeviceSync.Testing;

namespace DeviceSync.Bench.Scale;

/// <summary>
/// A <see cref="LocalCluster"/> (Azurite replicas, silo processes, a gateway on free ports with a unique cluster id),
/// as a benchmark needs it: where it listens, which pids to measure, and how much storage it has written.
/// </summary>
public sealed class ClusterHost(LocalCluster cluster) : IAsyncDisposable
{
    private readonly List<ServiceProcess> _moreGateways = [];

    public LocalCluster Cluster => cluster;

    /// <param name="gateways">Gateway processes (at least 1): more than one to hold more event sockets than one process's file-descriptor limit allows.</param>
    public static async Task<ClusterHost> StartAsync(int silos, bool backup = true, IReadOnlyDictionary<string, string>? gatewaySettings = null, int gateways = 1,
        IReadOnlyDictionary<string, string>? siloSettings = null, bool inMemoryStorage = false)
    {
        var cluster = new LocalCluster(new LocalClusterOptions
        {
            Silos = silos,
            Backup = backup,
            GatewaySettings = gatewaySettings ?? new Dictionary<string, string>(),
            SiloSettings = siloSettings ?? new Dictionary<string, string>(),
            InMemoryStorage = inMemoryStorage,
        });
        var host = new ClusterHost(cluster);
        try
        {
            await cluster.InitializeAsync();
            for (var g = 1; g < gateways; g++)
            {
                host._moreGateways.Add(await cluster.StartAnotherGatewayAsync($"gateway-{g}"));
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    public IEnumerable<(string Name, int Pid, Uri Metrics)> Silos =>
        cluster.Silos.Select(s => (s.Name, s.ProcessId ?? throw new InvalidOperationException($"{s.Name} is not running"), new Uri(s.HttpAddress, "/metrics")));

    public ClusterProbe Probe(HeapProbe heap) =>
        new(cluster.GatewayAddress, cluster.AdminKey!, [.. Silos], [.. cluster.Replicas.Replicas.Select(r => r.Location)], heap);

    public string Describe() => JsonSerializer.Serialize(new
    {
        gateway = cluster.GatewayAddress.ToString(),
        adminKey = cluster.AdminKey,
        clusterId = cluster.ClusterId,
        logs = cluster.LogDirectory,
        silos = cluster.Silos.Select(s => new { name = s.Name, pid = s.ProcessId, http = s.HttpAddress.ToString(), log = s.LogPath }),
        gatewayPid = cluster.Gateway.ProcessId,
        gateways = new[] { cluster.Gateway }.Concat(_moreGateways).Select(g => new { name = g.Name, pid = g.ProcessId, http = g.HttpAddress.ToString() }),
        replicas = cluster.Replicas.Replicas.Select(r => new { location = r.Location, tablePort = r.TablePort }),
        backup = cluster.Backup is { } b ? new { connectionString = b.ConnectionString, tablePrefix = cluster.TablePrefix, tablePort = b.TablePort } : null,
    }, new JsonSerializerOptions { WriteIndented = true });

    public async ValueTask DisposeAsync()
    {
        // Gateways, then silos, then the replicas: the order run.sh stops them in.
        foreach (var gateway in _moreGateways)
        {
            await gateway.DisposeAsync();
        }

        await cluster.DisposeAsync();
    }
}
