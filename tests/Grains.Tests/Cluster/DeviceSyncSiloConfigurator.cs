using Orleans.TestingHost;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>Test silos get exactly the grain services a real silo gets.</summary>
public sealed class DeviceSyncSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) => siloBuilder.Services.AddDeviceSyncGrains();
}
