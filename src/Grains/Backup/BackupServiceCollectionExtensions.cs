using DeviceSync.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

public static class BackupServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="BackupOptions"/> (section <c>Backup</c>, validated at start) and registers the copier (a journal
    /// observer and a hosted service), the verification monitor and the catch-up the repair sweeper runs after each sweep. With no connection string they all stay idle.
    /// </summary>
    public static IServiceCollection AddDeviceSyncBackups(this IServiceCollection services)
    {
        services.AddOptions<BackupOptions>()
            .BindConfiguration(BackupOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>());
        services.TryAddSingleton<BackupConnection>();
        services.TryAddSingleton<BackupCopier>();
        services.AddSingleton<IJournalObserver>(sp => sp.GetRequiredService<BackupCopier>());
        services.AddHostedService(sp => sp.GetRequiredService<BackupCopier>());
        services.AddHostedService<BackupVerificationMonitor>();
        services.TryAddSingleton<BackupCatchUp>();
        services.AddSingleton<IStreamCopyAudit>(sp => sp.GetRequiredService<BackupCatchUp>());
        return services;
    }
}
