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

    /// <summary>The schema of an entry that carries <see cref="Restored"/>: a build that knows only schema 1 refuses it
    /// instead of reading it as an empty change (docs/adr/0005-backups-and-restore.md).</summary>
    public const int RestoreSchemaVersion = 2;

    /// <summary>The newest schema this build reads.</summary>
    public const int MaxSchemaVersion = RestoreSchemaVersion;

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

    /// <summary>
    /// Set by a restore from backup: the whole collection as it was at the restored point. It replaces the ledger's
    /// state; <see cref="NewEpoch"/> then starts an epoch above every epoch the collection reached, cutting the
    /// restored epoch at the restored head, so devices that saw more hand it back (PROTOCOL.md, "Resync").
    /// </summary>
    [JsonPropertyName("restored")]
    [JsonInclude]
    internal CollectionSnapshot? Restored { get; init; }

    /// <summary>
    /// Set by the entry that answers a storage history loss (with <see cref="NewEpoch"/>): the loss generation answered.
    /// Readers that do not know it ignore it and still apply the epoch.
    /// </summary>
    [JsonPropertyName("lossGen")]
    public long? HistoryLossGeneration { get; init; }

    /// <summary>
    /// Set (true) by the entry that answers a history loss on an empty journal: the history that follows starts from
    /// scratch (<see cref="CollectionLedger.RecreatedAfterLoss"/>). Absent otherwise. Readers that do not know it ignore
    /// it (they then serve old cursors as before this build; docs/adr/0008-device-readmission.md, "Rolling upgrades").
    /// </summary>
    [JsonPropertyName("recreated")]
    public bool? Recreated { get; init; }

    /// <summary>Devices that pulled from null into the current history while that was required of them; absent when none.</summary>
    [JsonPropertyName("fresh")]
    public IReadOnlyList<string>? FreshDevices { get; init; }

    /// <summary>The highest version ever assigned once this entry is applied.</summary>
    [JsonPropertyName("head")]
    public long HeadVersion { get; init; }
}
