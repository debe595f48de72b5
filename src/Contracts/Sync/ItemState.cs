namespace DeviceSync.Contracts.Sync;

/// <summary>An item as the server holds it: live data or a tombstone.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.ItemState")]
public sealed record ItemState
{
    [Id(0)] public string ItemId { get; init; } = "";

    [Id(1)] public long Version { get; init; }

    [Id(2)] public bool Deleted { get; init; }

    /// <summary>Raw JSON object text; null for a tombstone.</summary>
    [Id(3)] public string? Data { get; init; }

    [Id(4)] public DateTimeOffset ModifiedAt { get; init; }

    [Id(5)] public string ModifiedBy { get; init; } = "";
}
