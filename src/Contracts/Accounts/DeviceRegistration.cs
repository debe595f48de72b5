namespace DeviceSync.Contracts.Accounts;

/// <summary>What a device is registered with.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.DeviceRegistration")]
public sealed record DeviceRegistration
{
    [Id(0)] public string Name { get; init; } = "";

    [Id(1)] public string Platform { get; init; } = "";
}
