using DeviceSync.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Blobs;

public static class BlobServiceCollectionExtensions
{
    /// <summary>Blob garbage collection: its settings (<c>Blobs:Gc</c>), the replicas' blob containers, and the collector the sweeper runs.</summary>
    public static IServiceCollection AddDeviceSyncBlobGc(this IServiceCollection services)
    {
        services.AddOptions<BlobGcOptions>()
            .BindConfiguration(BlobGcOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BlobGcOptions>, BlobGcOptionsValidator>());
        services.TryAddSingleton<BlobBytesOnReplicas>();
        services.TryAddSingleton<BlobCollector>();
        services.AddSingleton<IStreamCopyAudit>(sp => sp.GetRequiredService<BlobCollector>());
        return services;
    }
}
