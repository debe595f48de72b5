using DeviceSync.Testing;

namespace DeviceSync.Client.Tests.Support;

/// <summary>One real local cluster (Azurite replicas, two silos, a gateway) shared by the cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private static int s_accounts;

    public LocalCluster Cluster { get; } = new();

    public string NewAccountId(string prefix) =>
        $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}-{Interlocked.Increment(ref s_accounts)}";

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
