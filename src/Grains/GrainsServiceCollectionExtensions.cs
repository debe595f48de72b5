using System.ComponentModel.DataAnnotations;
using DeviceSync.Grains.Accounts;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Blobs;
using DeviceSync.Grains.Collections;
using DeviceSync.Grains.Events;
using DeviceSync.Grains.Hosting;
using DeviceSync.Grains.Replicas;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Everything the grains need from a silo: the replicated journal, the sync policy and a clock.</summary>
    public static IServiceCollection AddDeviceSyncGrains(this IServiceCollection services)
    {
        services.AddDeviceSyncStorage();
        services.AddDeviceSyncBackups();
        services.AddDeviceSyncBlobGc();
        services.AddOptions<SyncPolicy>()
            .BindConfiguration(SyncPolicy.SectionName)
            .Validate(
                policy => Validator.TryValidateObject(policy, new ValidationContext(policy), null, validateAllProperties: true),
                "A Sync:* setting is out of range (see SyncPolicy: retention at least 1 s, MassDeleteShare 0..1, NoChangeLease 0..2 s)")
            .ValidateOnStart();
        services.AddOptions<CollectionMoveOptions>().BindConfiguration(CollectionMoveOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IIncomingGrainCallFilter, WireSafeStorageFailures>();
        services.AddHostedService<ReplicaHealthMonitor>();
        services.AddOptions<AccountEventsOptions>()
            .BindConfiguration(AccountEventsOptions.SectionName)
            .Validate(
                events => Validator.TryValidateObject(events, new ValidationContext(events), null, validateAllProperties: true),
                "An Events:* setting is out of range (CoalesceInterval 0 to 10 s, MaxPendingNotifications at least 1)")
            .ValidateOnStart();
        services.AddOptions<DeviceTokenOptions>()
            .BindConfiguration(DeviceTokenOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceTokenOptions>, DeviceTokenOptionsValidator>());
        services.TryAddSingleton<DeviceTokenKeys>();
        services.AddHostedService<DeviceTokenKeysReport>();
        services.TryAddSingleton<AccountEventsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<AccountEventsPublisher>());
        return services;
    }
}
