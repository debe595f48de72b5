using DeviceSync.Testing;

namespace DeviceSync.LoadTest.Tests;

/// <summary>One real local cluster (3 Azurite replicas, 2 silos, a gateway) shared by the harness's cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; } = new(new LocalClusterOptions { Silos = 2 });

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
