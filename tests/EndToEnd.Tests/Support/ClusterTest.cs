using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>A test class that owns a whole local cluster for each of its tests (xunit makes one instance per test).</summary>
public abstract class ClusterTest(ITestOutputHelper output, LocalClusterOptions options) : IAsyncLifetime
{
    private HttpClient? _http;

    protected ITestOutputHelper Output => output;

    protected LocalCluster Cluster { get; } = new(options);

    protected E2eClient Client => new(_http ?? throw new InvalidOperationException("Not started."));

    public virtual async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        _http = Cluster.CreateClient();
    }

    public virtual async Task DisposeAsync()
    {
        _http?.Dispose();
        await Cluster.DisposeAsync();
    }
}
