namespace DeviceSync.Grains.Storage;

/// <summary>What repairing one stream achieved (returned by the stream's owning grain to the sweeper, so it is a wire type).</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.JournalRepairResult")]
public sealed record JournalRepairResult
{
    /// <summary>The end of the stream's history when it was repaired.</summary>
    [Id(0)]
    public long LastSequence { get; init; }

    /// <summary>Replicas that answered and now hold that whole history (snapshot, entries, genesis row).</summary>
    [Id(1)]
    public IReadOnlyList<int> CompleteReplicas { get; init; } = [];

    /// <summary>Entries and snapshots written to replicas that lacked them.</summary>
    [Id(2)]
    public int Written { get; init; }
}
