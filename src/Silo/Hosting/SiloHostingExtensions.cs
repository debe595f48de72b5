using System.Net;
using Azure.Data.Tables;
using DeviceSync.Grains;
using Orleans.Configuration;
using Orleans.Metadata;

namespace DeviceSync.Silo.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>Makes this web host an Orleans silo of the DeviceSync cluster, with the grains and their replicated storage.</summary>
    public static WebApplicationBuilder AddDeviceSyncSilo(this WebApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new ClusterSettings();
        var endpoints = builder.Configuration.GetSection(SiloEndpointSettings.SectionName).Get<SiloEndpointSettings>() ?? new SiloEndpointSettings();
        builder.Services.AddOptions<ClusterSettings>().BindConfiguration(ClusterSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SiloEndpointSettings>().BindConfiguration(SiloEndpointSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = endpoints.ShutdownTimeout);

        builder.UseOrleans(silo =>
        {
            silo.ConfigureDeviceSyncCluster(cluster);
            silo.ConfigureEndpoints(IPAddress.Parse(endpoints.AdvertisedAddress), endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: false);

            // A silo that comes back after a roll starts empty; the rebalancer moves activations to it so the last silo
            // replaced does not idle while the others carry everything (measured in docs/upgrades.md). Moved grains
            // reopen their journal on the new silo, as after any deactivation.
            if (endpoints.Rebalance)
            {
                silo.AddActivationRebalancer();
            }
        });
        builder.Services.AddOptions<ActivationRebalancerOptions>().BindConfiguration("Rebalancer");
        builder.Services.AddOptions<ClusterMembershipOptions>()
            .Configure(FailureDetectionDefaults.Apply)
            .BindConfiguration(FailureDetectionDefaults.SectionName);
        builder.Services.AddDeviceSyncGrains();
        return builder;
    }

    /// <summary>The cluster settings every DeviceSync silo shares; also used by the test clusters.</summary>
    public static ISiloBuilder ConfigureDeviceSyncCluster(this ISiloBuilder silo, ClusterSettings cluster)
    {
        if (string.IsNullOrWhiteSpace(cluster.MembershipConnectionString))
        {
            throw new InvalidOperationException("Cluster:MembershipConnectionString is required (Azure Table storage for the membership table).");
        }

        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(cluster.MembershipConnectionString));
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.AddActivityPropagation();
        silo.Services.AddSingleton<IGrainPropertiesProvider, BuildVersionGrainProperties>();
        return silo;
    }
}
