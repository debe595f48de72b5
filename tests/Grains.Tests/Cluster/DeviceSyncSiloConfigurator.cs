using Orleans.TestingHost;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>Test silos get exactly the grain services a real silo gets, and propagate trace context as real silos do.</summary>
public sealed class DeviceSyncSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.Services.AddDeviceSyncGrains();
        siloBuilder.AddActivityPropagation();
    }
}
