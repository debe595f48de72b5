namespace DeviceSync.Contracts.Sync;

/// <summary>A device's copy of an item that lost a conflict, kept in the conflict archive.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.ConflictRecord")]
public sealed record ConflictRecord
{
    /// <summary>Position in the collection's archive; the paging cursor.</summary>
    [Id(0)] public long Sequence { get; init; }

    [Id(1)] public string Collection { get; init; } = "";

    [Id(2)] public string ItemId { get; init; } = "";

    [Id(3)] public string DeviceId { get; init; } = "";

    [Id(4)] public long MutationId { get; init; }

    [Id(5)] public DateTimeOffset At { get; init; }

    /// <summary>Raw JSON object text; null for a delete that lost.</summary>
    [Id(6)] public string? Data { get; init; }

    [Id(7)] public bool Deleted { get; init; }

    /// <summary>The server's version of the item when the device's copy lost (0 if it had none).</summary>
    [Id(8)] public long ServerVersion { get; init; }
}
