namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>One shared <see cref="PipelineGateway"/> with an admin key and no rate limits.</summary>
public sealed class PipelineHost : IAsyncLifetime
{
    public const string AdminKey = "pipeline-admin-key";

    private PipelineGateway? _gateway;

    public FakeCluster Cluster => _gateway!.Cluster;

    public HttpClient Http => _gateway!.Http;

    public async Task InitializeAsync() =>
        _gateway = await PipelineGateway.StartAsync(new Dictionary<string, string?> { ["Gateway:AdminKey"] = AdminKey });

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}
