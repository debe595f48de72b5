using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// A whole ledger in persisted form. Like <see cref="CollectionChange"/>, its JSON names are a storage contract.
/// Lists are written in a fixed order so equal ledgers encode to equal bytes.
/// </summary>
internal sealed class CollectionSnapshot
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("schema")]
    [JsonRequired]
    public int SchemaVersion { get; init; }

    [JsonPropertyName("collection")]
    public string Collection { get; init; } = "";

    /// <summary>The journal position the snapshot covers: replay resumes with the entry after it.</summary>
    [JsonPropertyName("pos")]
    public long Position { get; init; }

    [JsonPropertyName("epoch")]
    public long CurrentEpoch { get; init; }

    [JsonPropertyName("head")]
    public long HeadVersion { get; init; }

    [JsonPropertyName("oldest")]
    public long OldestServableVersion { get; init; }

    [JsonPropertyName("nextConflict")]
    public long NextConflictSequence { get; init; } = 1;

    /// <summary>The storage history-loss generation the collection has answered with a new epoch; absent (null) for none,
    /// so a snapshot of a collection that never met a loss encodes exactly as before.</summary>
    [JsonPropertyName("lossGen")]
    public long? HistoryLossGeneration { get; init; }

    /// <summary>See <see cref="CollectionChange.Recreated"/>; absent (null) when false, so older snapshots encode as before.</summary>
    [JsonPropertyName("recreated")]
    public bool? Recreated { get; init; }

    /// <summary>See <see cref="CollectionChange.FreshDevices"/>, sorted; absent (null) when empty.</summary>
    [JsonPropertyName("fresh")]
    public IReadOnlyList<string>? FreshDevices { get; init; }

    [JsonPropertyName("cuts")]
    public IReadOnlyList<EpochCut> EpochCuts { get; init; } = [];

    /// <summary>Ascending by version.</summary>
    [JsonPropertyName("items")]
    public IReadOnlyList<ItemRecord> Items { get; init; } = [];

    [JsonPropertyName("marks")]
    public IReadOnlyList<DeviceMark> Marks { get; init; } = [];

    [JsonPropertyName("conflicts")]
    public IReadOnlyList<ArchivedConflict> Conflicts { get; init; } = [];

    public static CollectionSnapshot Of(CollectionLedger ledger) => new()
    {
        SchemaVersion = CurrentSchemaVersion,
        Collection = ledger.Collection,
        Position = ledger.JournalPosition,
        CurrentEpoch = ledger.CurrentEpoch,
        HeadVersion = ledger.HeadVersion,
        OldestServableVersion = ledger.OldestServableVersion,
        NextConflictSequence = ledger.NextConflictSequence,
        HistoryLossGeneration = ledger.HistoryLossGeneration > 0 ? ledger.HistoryLossGeneration : null,
        Recreated = ledger.RecreatedAfterLoss ? true : null,
        FreshDevices = ledger.FreshDevices.Count > 0 ? ledger.FreshDevices.Order(StringComparer.Ordinal).ToArray() : null,
        EpochCuts = ledger.EpochCuts.OrderBy(c => c.Key)
            .Select(c => new EpochCut
            {
                Epoch = c.Key,
                CutVersion = c.Value,
                ReplacedHead = ledger.EpochReplacedHeads.TryGetValue(c.Key, out var replaced) ? replaced : null,
            })
            .ToArray(),
        Items = ledger.ItemsByVersion.Select(ItemRecord.From).ToArray(),
        Marks = ledger.Marks.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new DeviceMark { DeviceId = m.Key, MutationId = m.Value })
            .ToArray(),
        Conflicts = ledger.Conflicts.Select(ArchivedConflict.From).ToArray(),
    };
}
