namespace DeviceSync.Contracts.Accounts;

/// <summary>A device as listed by <c>GET /v1/devices</c>.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.DeviceInfo")]
public sealed record DeviceInfo
{
    [Id(0)] public string DeviceId { get; init; } = "";

    [Id(1)] public string Name { get; init; } = "";

    [Id(2)] public string Platform { get; init; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; init; }

    [Id(4)] public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>When the device was readmitted after storage lost its account (ADR 0008); null for a device registered normally.</summary>
    [Id(5)] public DateTimeOffset? ReadmittedAt { get; init; }
}
