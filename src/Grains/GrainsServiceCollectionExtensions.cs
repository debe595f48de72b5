using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DeviceSync.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Everything the grains need from a silo: the replicated journal, the sync policy and a clock.</summary>
    public static IServiceCollection AddDeviceSyncGrains(this IServiceCollection services)
    {
        services.AddDeviceSyncStorage();
        services.AddOptions<SyncPolicy>().BindConfiguration(SyncPolicy.SectionName).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
