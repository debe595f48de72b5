using Xunit;

using System.Globalization;

namespace DeviceSync.Testing;

/// <summary>
/// The whole system as real processes on loopback, as run.sh starts it: Azurite storage replicas, silo processes
/// (Azure Table membership) and one gateway process, each on free ports with a unique cluster id and table prefix
/// so clusters of parallel tests never meet. Usable as an xunit fixture.
/// </summary>
public sealed class LocalCluster : IAsyncLifetime, IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly List<ServiceProcess> _silos = [];
    private AzuriteReplicaSet? _replicas;
    private AzuriteProcess? _backup;
    private AzuriteProcess? _membership;
    private ServiceProcess? _gateway;
    private List<string>? _gatewayArgs;
    private List<string>? _clusterArgs;

    public LocalCluster()
        : this(new LocalClusterOptions())
    {
    }

    public LocalCluster(LocalClusterOptions options)
    {
        _options = options;
        var id = Guid.NewGuid().ToString("N")[..12];
        ClusterId = "test-" + id;
        TablePrefix = "t" + id;
        LogDirectory = Path.Combine(Path.GetTempPath(), "devicesync-cluster-" + id);
        Directory.CreateDirectory(LogDirectory);
        TokenKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>The silos' token key (<c>Auth:TokenKeys:0</c>, id <c>local</c>): random per cluster, kept outside storage.</summary>
    public string TokenKey { get; }

    public string ClusterId { get; }

    public string TablePrefix { get; }

    public string LogDirectory { get; }

    public string? AdminKey => _options.AdminKey;

    public AzuriteReplicaSet Replicas => _replicas ?? throw new InvalidOperationException("Not started.");

    /// <summary>The backup store's Azurite; null when started with <see cref="LocalClusterOptions.Backup"/> off.</summary>
    public AzuriteProcess? Backup => _backup;

    public IReadOnlyList<ServiceProcess> Silos => _silos;

    public ServiceProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public Uri GatewayAddress => Gateway.HttpAddress;

    public async Task InitializeAsync()
    {
        _replicas = await AzuriteReplicaSet.StartAsync(_options.Replicas, _options.InMemoryStorage).ConfigureAwait(false);
        if (_options.Backup)
        {
            _backup = await AzuriteProcess.StartAsync(inMemory: _options.InMemoryStorage).ConfigureAwait(false);
        }
        if (_options.MembershipOutsideReplicas)
        {
            _membership = await AzuriteProcess.StartAsync().ConfigureAwait(false);
        }

        var membership = _membership?.ConnectionString ?? _replicas.ConnectionStrings[0];
        var clusterArgs = new List<string>
        {
            "--Cluster:MembershipConnectionString=" + membership,
            "--Cluster:ClusterId=" + ClusterId,
        };

        _clusterArgs = clusterArgs;
        for (var i = 0; i < _options.Silos; i++)
        {
            _silos.Add(CreateSilo($"silo-{i}"));
        }

        var gatewayArgs = new List<string>(clusterArgs);
        if (_options.AdminKey is { } key)
        {
            gatewayArgs.Add("--Gateway:AdminKey=" + key);
        }

        // The gateway streams blobs to the storage replicas itself (src/Gateway/Blobs): the silos' storage settings.
        gatewayArgs.AddRange(StorageArguments());
        gatewayArgs.AddRange(Arguments(_options.GatewaySettings));
        _gatewayArgs = gatewayArgs;
        _gateway = new ServiceProcess("gateway", RepositoryLayout.GatewayAssembly, Loopback(FreePorts.Take()), gatewayArgs, LogDirectory);

        // Silos start together; the gateway once a silo can take its connection.
        await Task.WhenAll(_silos.Select(s => s.StartAsync())).ConfigureAwait(false);
        await _gateway.StartAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Starts one more gateway on a free port with the cluster's gateway settings (tests of what one gateway does and
    /// another must see: revocations, events). The caller disposes it.
    /// </summary>
    /// <param name="settings">Key=Value settings for this gateway only, after (so over) the cluster's, e.g. a short <c>Events:KeepAliveInterval</c>.</param>
    public async Task<ServiceProcess> StartAnotherGatewayAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var args = _gatewayArgs ?? throw new InvalidOperationException("Not started.");
        if (settings is not null)
        {
            args = [.. args, .. Arguments(settings)];
        }

        var gateway = new ServiceProcess(name, RepositoryLayout.GatewayAssembly, Loopback(FreePorts.Take()), args, LogDirectory);
        try
        {
            await gateway.StartAsync().ConfigureAwait(false);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A silo process of this cluster on free ports, not started, with the cluster's silo settings and then
    /// <paramref name="settings"/> (over them). The cluster's own silos are made with it; a test that makes one more
    /// disposes it.
    /// </summary>
    public ServiceProcess CreateSilo(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var clusterArgs = _clusterArgs ?? throw new InvalidOperationException("Not started.");
        var ports = FreePorts.Take(3);
        var args = new List<string>(clusterArgs)
        {
            "--Silo:SiloPort=" + ports[0].ToString(CultureInfo.InvariantCulture),
            "--Silo:GatewayPort=" + ports[1].ToString(CultureInfo.InvariantCulture),
            "--Auth:TokenKeys:0:Id=local",
            "--Auth:TokenKeys:0:Key=" + TokenKey,
            "--Auth:Readmission:Enabled=" + (_options.Readmission ? "true" : "false"),
            "--Storage:MaxConnectionsPerReplica=8", // as ./run.sh runs its silos against Azurite
        };
        args.AddRange(StorageArguments());
        args.AddRange(Arguments(_options.SiloSettings));
        if (settings is not null)
        {
            args.AddRange(Arguments(settings));
        }

        return new ServiceProcess(name, _options.SiloAssembly ?? RepositoryLayout.SiloAssembly, Loopback(ports[2]), args, LogDirectory);
    }

    /// <summary>The storage settings silos and gateways share: the table prefix, every replica, and the backup store if any.</summary>
    private IEnumerable<string> StorageArguments()
    {
        var replicas = Replicas;
        yield return "--Storage:TablePrefix=" + TablePrefix;
        for (var r = 0; r < replicas.Count; r++)
        {
            yield return $"--Storage:Replicas:{r}={replicas.ConnectionStrings[r]}";
        }

        if (_backup is not null)
        {
            yield return "--Backup:ConnectionString=" + _backup.ConnectionString;
            yield return "--Backup:TablePrefix=" + TablePrefix;
        }
    }

    private static IEnumerable<string> Arguments(IEnumerable<KeyValuePair<string, string>> settings) =>
        settings.Select(s => $"--{s.Key}={s.Value}");

    /// <summary>An HttpClient whose BaseAddress is the gateway.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync().ConfigureAwait(false);
        }

        if (_replicas is not null)
        {
            await _replicas.DisposeAsync().ConfigureAwait(false);
        }

        if (_backup is not null)
        {
            await _backup.DisposeAsync().ConfigureAwait(false);
        }

        if (_membership is not null)
        {
            await _membership.DisposeAsync().ConfigureAwait(false);
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync().ConfigureAwait(false);

    private static Uri Loopback(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
}
