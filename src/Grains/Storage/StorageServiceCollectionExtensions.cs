using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReplicationOptions"/> from section <c>Storage</c> and <see cref="ReplicaSweepOptions"/> from
    /// <c>Storage:Sweep</c> (both validated at start) and registers <see cref="IJournalStore"/>.</summary>
    public static IServiceCollection AddDeviceSyncStorage(this IServiceCollection services)
    {
        services.AddOptions<ReplicationOptions>()
            .BindConfiguration(ReplicationOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>());
        services.AddOptions<ReplicaSweepOptions>()
            .BindConfiguration(ReplicaSweepOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicaSweepOptions>, ReplicaSweepOptionsValidator>());
        services.TryAddSingleton<AzureJournalStore>();
        services.TryAddSingleton<IJournalStore>(sp => sp.GetRequiredService<AzureJournalStore>());
        return services;
    }
}
