namespace DeviceSync.Contracts.Sync;

/// <summary>Tells a device that its cursor cannot be served as a delta (PROTOCOL.md, "Resync").</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.ResyncInstruction")]
public sealed record ResyncInstruction
{
    [Id(0)] public ResyncReason Reason { get; init; }

    [Id(1)] public long SafeVersion { get; init; }
}
