using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>Three journal replicas and a fourth Azurite as the backup store, shared by a test class.</summary>
public sealed class BackupStorage : IAsyncLifetime
{
    public AzuriteReplicaSet Replicas { get; private set; } = null!;

    public AzuriteProcess Backup { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var replicas = AzuriteReplicaSet.StartAsync(3);
        var backup = AzuriteProcess.StartAsync();
        Replicas = await replicas;
        Backup = await backup;
    }

    public async Task DisposeAsync()
    {
        await Replicas.DisposeAsync();
        await Backup.DisposeAsync();
    }
}
