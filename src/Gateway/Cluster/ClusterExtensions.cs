using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace DeviceSync.Gateway.Cluster;

public static class ClusterExtensions
{
    /// <summary>The Orleans client (Azure Table membership) and the retrying grain-call runner.</summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClusterClientOptions>()
            .BindConfiguration(ClusterClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ClusterOptions>()
            .Configure<IOptions<ClusterClientOptions>>((o, cluster) =>
            {
                o.ClusterId = cluster.Value.ClusterId;
                o.ServiceId = cluster.Value.ServiceId;
            });
        builder.Services.AddOptions<ClientMessagingOptions>()
            .Configure<IOptions<ClusterClientOptions>>((o, cluster) => o.ResponseTimeout = cluster.Value.ResponseTimeout);
        builder.Services.AddOptions<GatewayOptions>()
            .Configure<IOptions<ClusterClientOptions>>((o, cluster) => o.GatewayListRefreshPeriod = cluster.Value.GatewayListRefreshPeriod);

        builder.UseOrleansClient(client =>
        {
            client.UseAzureStorageClustering(o => o.Configure<IOptions<ClusterClientOptions>>(
                (table, cluster) => table.TableServiceClient = new TableServiceClient(cluster.Value.MembershipConnectionString)));
            client.UseConnectionRetryFilter<ConnectForeverRetryFilter>();
            client.AddActivityPropagation();
        });

        // The cluster view (/v1/admin/cluster) reads each silo's build from the cluster manifest this client polls.
        // Orleans polls every minute by default; a poll with nothing new is one small call, so poll every 5 s and let
        // a rollout see a replaced silo's build within seconds.
        builder.Services.Configure<TypeManagementOptions>(o => o.TypeMapRefreshInterval = TimeSpan.FromSeconds(5));

        // Start Kestrel alongside the Orleans client, so /healthz answers and /readyz says 503 while the
        // client is still looking for the cluster (it retries forever: ConnectForeverRetryFilter).
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.Services.TryAddSingleton(TimeProvider.System);
        // One instance: Orleans notifies it (every IClusterConnectionStatusObserver registered), GrainCalls listens to it.
        builder.Services.AddSingleton<SiloLossSignal>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<SiloLossSignal>());
        builder.Services.AddHostedService<ManifestSiloWatcher>();
        builder.Services.AddSingleton<GrainCalls>();
        return builder;
    }
}
