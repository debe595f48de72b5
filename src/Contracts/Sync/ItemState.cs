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

    /// <summary>
    /// Set when this state was written by a <c>restore</c> (a device handing back what the server lost): the version the
    /// device held it at. Later hand-backs of the item compare their versions with this one, not with the new version it
    /// was given (docs/adr/0008-device-readmission.md, "Hand-back order"). Null for every other write.
    /// </summary>
    [Id(6)] public long? HandedBackVersion { get; init; }
}
