using DeviceSync.Contracts.Sync;

namespace DeviceSync.Contracts.Backups;

/// <summary>One collection's restore from backup: the point restored and the collection after it.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.CollectionRestoreResult")]
public sealed record CollectionRestoreResult
{
    [Id(0)] public RestoreStatus Status { get; init; }

    /// <summary>The backup's journal position restored (its last entry or snapshot at or before the point).</summary>
    [Id(1)] public long Sequence { get; init; }

    /// <summary>When that position was committed.</summary>
    [Id(2)] public DateTimeOffset? CommittedAt { get; init; }

    /// <summary>The backup generation read (a new one begins when the live stream lost its history).</summary>
    [Id(3)] public int Generation { get; init; }

    /// <summary>The collection after the restore (or as it stays, when nothing was restored).</summary>
    [Id(4)] public CollectionSummary? Summary { get; init; }

    /// <summary>Why nothing was restored, for the operator.</summary>
    [Id(5)] public string? Detail { get; init; }
}
