using Orleans.CodeGeneration;
using DeviceSync.Contracts.Backups;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Contracts;

/// <summary>
/// One account's collection: its items, journal and change feed. Keyed by <see cref="CollectionKey"/>.
/// </summary>
[Alias("DeviceSync.ICollectionGrain"), Version(1)]
public interface ICollectionGrain : IGrainWithStringKey
{
    /// <summary>Judges the cursor, applies the mutations in order, and lists the changes (PROTOCOL.md rule 3).</summary>
    [Alias("Sync")]
    Task<SyncCollectionResult> SyncAsync(SyncCollectionRequest request);

    /// <summary>Pages through the collection's conflict archive.</summary>
    [Alias("GetConflicts")]
    Task<ConflictPage> GetConflictsAsync(long? afterSequence, int limit);

    /// <summary>The collection's digest, counts and head. Added after v0.1.0 without a version bump, so that a gateway
    /// of this build still routes syncs to older silos during a roll; on an older silo this call fails.</summary>
    [Alias("GetSummary")]
    Task<CollectionSummary> GetSummaryAsync();

    /// <summary>
    /// Operators: rebuilds the collection as of <paramref name="to"/> (null: the newest backed-up point) from the backup
    /// store and writes it back as one journal entry that starts a new epoch (docs/adr/0005-backups-and-restore.md).
    /// Added without a version bump, like <see cref="GetSummaryAsync"/>; on an older silo this call fails.
    /// </summary>
    [Alias("RestoreFromBackup")]
    Task<CollectionRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to);
}
