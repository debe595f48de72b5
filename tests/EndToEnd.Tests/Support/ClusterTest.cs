using System.Net;
using System.Text.Json;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>A test class that owns a whole local cluster for each of its tests (xunit makes one instance per test).</summary>
public abstract class ClusterTest(ITestOutputHelper output, LocalClusterOptions options) : IAsyncLifetime
{
    private HttpClient? _http;

    protected ITestOutputHelper Output => output;

    protected LocalCluster Cluster { get; } = new(options);

    protected E2eClient Client => new(_http ?? throw new InvalidOperationException("Not started."));

    /// <summary>The storage replicas as the cluster sees them (<c>GET /v1/admin/replicas</c>).</summary>
    protected async Task<JsonElement> ReplicasAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/replicas");
        request.Headers.Add("X-Admin-Key", Cluster.AdminKey);
        using var response = await Client.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

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
