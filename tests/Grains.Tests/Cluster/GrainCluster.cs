using DeviceSync.Grains.Storage;
using DeviceSync.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// A 2-silo Orleans TestingHost cluster whose grains store to real Azurite replicas. Each instance has its own
/// replicas and table prefix; <see cref="RestartClusterAsync"/> brings up a new cluster on the same storage.
/// </summary>
public sealed class GrainCluster : IAsyncLifetime
{
    private readonly string _serviceId = "svc-" + Guid.NewGuid().ToString("N")[..10];
    public GrainCluster()
    {
    }

    /// <summary>A cluster whose silos also get <paramref name="siloSettings"/>. Internal: xunit fixtures may have one public constructor.</summary>
    internal GrainCluster(IReadOnlyDictionary<string, string> siloSettings) => ExtraSettings = siloSettings;

    public string TablePrefix { get; } = "g" + Guid.NewGuid().ToString("N")[..12];

    public AzuriteReplicaSet Replicas { get; private set; } = null!;

    /// <summary>More settings for the silos (for example <c>Auth:*</c>), on top of the storage settings.</summary>
    public IReadOnlyDictionary<string, string> ExtraSettings { get; init; } = new Dictionary<string, string>();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        Replicas = await AzuriteReplicaSet.StartAsync(3);
        Cluster = await DeployAsync();
    }

    public async Task RestartClusterAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Cluster = await DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        if (Replicas is not null)
        {
            await Replicas.DisposeAsync();
        }
    }

    /// <summary>A journal store on the silos' replicas and table prefix, so a test can read or write their streams directly
    /// (as another activation, or an earlier one, would).</summary>
    public AzureJournalStore JournalStore() => new(
        Options.Create(new ReplicationOptions { Replicas = [.. Replicas.ConnectionStrings], TablePrefix = TablePrefix, WriteQuorum = 2 }),
        NullLogger<AzureJournalStore>.Instance);

    private Dictionary<string, string?> StorageSettings()
    {
        var settings = new Dictionary<string, string?> { ["Storage:TablePrefix"] = TablePrefix, ["Storage:WriteQuorum"] = "2" };
        for (var i = 0; i < Replicas.Count; i++)
        {
            settings[$"Storage:Replicas:{i}"] = Replicas.ConnectionStrings[i];
        }

        return settings;
    }

    private async Task<TestCluster> DeployAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = "c-" + Guid.NewGuid().ToString("N")[..10];
        foreach (var (key, value) in StorageSettings())
        {
            builder.Properties[key] = value!;
        }

        foreach (var (key, value) in ExtraSettings)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<DeviceSyncSiloConfigurator>();
        builder.AddClientBuilderConfigurator<DeviceSyncClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
