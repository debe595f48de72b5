using DeviceSync.Grains.Storage;
using Orleans.CodeGeneration;

namespace DeviceSync.Grains.Journaling;

/// <summary>
/// A grain that writes one journal stream (collections and accounts). The sweeper repairs a stream through its owner:
/// a grain runs one request at a time, so the repair (which replaces divergent rows and deletes stray ones) never
/// interleaves with that stream's appends. Silo-internal: the gateway never calls it.
/// </summary>
[Alias("DeviceSync.IJournalOwnerGrain"), Version(1)]
public interface IJournalOwnerGrain : IGrainWithStringKey
{
    /// <summary>Reads the stream from a quorum and repairs every replica that answered. A grain that was not active for
    /// its own work deactivates again afterwards, so a sweep does not leave thousands of idle activations behind.</summary>
    [Alias("RepairJournal")]
    Task<JournalRepairResult> RepairJournalAsync();
}
