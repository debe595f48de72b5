using DeviceSync.Testing;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// A local cluster (three Azurite replicas, two silo processes, the gateway) whose blob garbage collection runs with a grace
/// period of seconds, and whose repair sweeper (which drives the background passes) runs every two seconds.
/// </summary>
public sealed class BlobGcCluster : IAsyncLifetime
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private readonly LocalCluster _cluster = new(new LocalClusterOptions
    {
        AdminKey = ApiCluster.TestAdminKey,
        SiloSettings = new Dictionary<string, string>
        {
            ["Blobs:Gc:GracePeriod"] = GracePeriod.ToString("c"),
            ["Blobs:Gc:ScanInterval"] = "00:00:01",
            ["Storage:Sweep:Interval"] = "00:00:02",

            // The blob collector runs after the backup's catch-up, which waits this long after each sweep (why: SweeperSettings).
            ["Backup:CatchUpGrace"] = SweeperSettings.CatchUpGrace,
        },
    });

    public HttpClient Http { get; private set; } = new();

    public LocalCluster Cluster => _cluster;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        Http = _cluster.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _cluster.DisposeAsync();
    }
}
