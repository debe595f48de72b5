using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>The test client propagates trace context into grain calls, as the gateway does.</summary>
public sealed class DeviceSyncClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddActivityPropagation();
}
