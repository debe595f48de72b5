namespace DeviceSync.Contracts.Events;

[GenerateSerializer, Immutable, Alias("DeviceSync.CollectionVersion")]
public sealed record CollectionVersion
{
    [Id(0)] public string Collection { get; init; } = "";

    [Id(1)] public long Version { get; init; }
}
