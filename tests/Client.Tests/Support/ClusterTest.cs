namespace DeviceSync.Client.Tests.Support;

/// <summary>Helpers for tests against the shared cluster: each test makes its own accounts and devices.</summary>
public abstract class ClusterTest(ClusterFixture fixture) : IDisposable
{
    protected const string Password = "correct horse battery";

    private readonly List<IDisposable> _owned = [];

    protected ClusterFixture Fixture => fixture;

    protected static RetryOptions FastRetry { get; } = new() { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1) };

    protected SyncClient NewClient(HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = fixture.Cluster.GatewayAddress;
        _owned.Add(http);
        return new SyncClient(http, FastRetry);
    }

    protected async Task<string> NewAccountAsync(string prefix)
    {
        var account = fixture.NewAccountId(prefix);
        await NewClient().CreateAccountAsync(account, Password);
        return account;
    }

    protected async Task<Device> NewDeviceAsync(
        string account, string name = "phone", HttpMessageHandler? handler = null, IDeviceStore? store = null, DeviceOptions? options = null)
    {
        var client = NewClient(handler);
        var credentials = await client.RegisterDeviceAsync(account, Password, name, "test");
        var device = new Device(client.Connect(credentials), store ?? new InMemoryDeviceStore(), options);
        _owned.Add(device);
        return device;
    }

    /// <summary>A new account with devices A and B: A has put <paramref name="itemId"/> and B has pulled it.</summary>
    protected async Task<(Device A, Device B)> TwoDevicesSharingAsync(string prefix, string collection, string itemId, string data)
    {
        var account = await NewAccountAsync(prefix);
        var a = await NewDeviceAsync(account, "a");
        var b = await NewDeviceAsync(account, "b");
        a.Put(collection, itemId, data);
        await a.SyncAsync();
        b.Track(collection);
        await b.SyncAsync();
        return (a, b);
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
