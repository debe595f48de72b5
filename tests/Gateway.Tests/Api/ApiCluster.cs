using DeviceSync.Testing;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// A whole local cluster for API tests: three Azurite replicas, two silo processes and the real gateway process
/// on loopback ports, reached over real HTTP exactly as a device reaches it. Shared by the API test collection;
/// each test uses its own account ids.
/// </summary>
public sealed class ApiCluster : IAsyncLifetime
{
    public const string TestAdminKey = "api-tests-admin-key";

    private readonly LocalCluster _cluster = new(new LocalClusterOptions { AdminKey = TestAdminKey });

    /// <summary>An HttpClient whose BaseAddress is the gateway (http://127.0.0.1:port/).</summary>
    public HttpClient Http { get; private set; } = new();

    public string AdminKey => TestAdminKey;

    public LocalCluster Cluster => _cluster;

    /// <summary>A fresh, unique account id for one test (valid per PROTOCOL.md).</summary>
    public static string NewAccountId(string hint = "t") =>
        $"{hint}-{Guid.NewGuid():N}"[..Math.Min(40, hint.Length + 33)].ToLowerInvariant();

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
