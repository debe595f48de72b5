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

            // The backup's catch-up runs after each sweep and waits this long first (30 s by default) whenever a stream
            // moved; the blob collector runs after it, so the default made every pass here ~30 s apart instead of 2 s.
            ["Backup:CatchUpGrace"] = "00:00:02",
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
