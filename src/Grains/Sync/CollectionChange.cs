using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// One journal entry: everything one commit changes in a collection. It is persisted (see
/// <see cref="CollectionCodec"/>), so its JSON names are a storage contract: append new properties with safe
/// defaults, never rename or reuse one, and raise <see cref="SchemaVersion"/> when old readers must refuse it.
/// Replaying the entries in <see cref="Position"/> order onto an empty ledger rebuilds the collection exactly.
/// </summary>
public sealed class CollectionChange
{
    public const int CurrentSchemaVersion = 1;

    // Required so an entry without it is refused instead of silently read as the current schema.
    [JsonPropertyName("schema")]
    [JsonRequired]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>
    /// The entry's place in the collection's journal (1, 2, 3, ...), without gaps. Versions cannot serve as the
    /// journal key: an entry that only starts an epoch or only purges assigns no version.
    /// </summary>
    [JsonPropertyName("pos")]
    public long Position { get; init; }

    /// <summary>Set when this commit starts a new epoch (PROTOCOL.md "Resync", server-behind).</summary>
    [JsonPropertyName("newEpoch")]
    public EpochStart? NewEpoch { get; init; }

    /// <summary>The latest state of each item written, ascending by version, each item once.</summary>
    [JsonPropertyName("items")]
    public IReadOnlyList<ItemRecord> Items { get; init; } = [];

    /// <summary>Mutation high-water marks raised by this commit.</summary>
    [JsonPropertyName("marks")]
    public IReadOnlyList<DeviceMark> Marks { get; init; } = [];

    /// <summary>Device copies that lost a conflict, ascending by archive sequence.</summary>
    [JsonPropertyName("conflicts")]
    public IReadOnlyList<ArchivedConflict> Conflicts { get; init; } = [];

    [JsonPropertyName("purgedTombstones")]
    public IReadOnlyList<PurgedTombstone> PurgedTombstones { get; init; } = [];

    /// <summary>Conflict records with a sequence at or below this were purged; null when none were.</summary>
    [JsonPropertyName("purgedConflictsThrough")]
    public long? PurgedConflictsThrough { get; init; }

    /// <summary>The highest version ever assigned once this entry is applied.</summary>
    [JsonPropertyName("head")]
    public long HeadVersion { get; init; }
}
