using Orleans.CodeGeneration;
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
}
