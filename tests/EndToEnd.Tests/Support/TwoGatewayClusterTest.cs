using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>
/// A <see cref="ClusterTest"/> with a second gateway process in front of the same cluster, started with the cluster's
/// gateway settings: for what one gateway does and another must see (revocations, change events).
/// </summary>
public abstract class TwoGatewayClusterTest(ITestOutputHelper output, LocalClusterOptions options) : ClusterTest(output, options)
{
    private ServiceProcess? _secondGateway;
    private HttpClient? _secondHttp;

    protected ServiceProcess SecondGateway => _secondGateway ?? throw new InvalidOperationException("Not started.");

    protected HttpClient SecondHttp => _secondHttp ?? throw new InvalidOperationException("Not started.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _secondGateway = await Cluster.StartAnotherGatewayAsync("gateway-b");
        _secondHttp = new HttpClient { BaseAddress = _secondGateway.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public override async Task DisposeAsync()
    {
        _secondHttp?.Dispose();
        if (_secondGateway is not null)
        {
            await _secondGateway.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
