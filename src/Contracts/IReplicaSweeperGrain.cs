using Orleans.CodeGeneration;
using DeviceSync.Contracts.Replicas;

namespace DeviceSync.Contracts;

/// <summary>
/// The cluster's one replica sweeper (key 0): compares and repairs the storage replicas in the background and heals
/// wiped ones. Every silo reports its view of the replicas here every few seconds; those calls also keep the sweeper
/// activated, and bring it back on another silo if its silo dies.
/// </summary>
[Alias("DeviceSync.IReplicaSweeperGrain"), Version(1)]
public interface IReplicaSweeperGrain : IGrainWithIntegerKey
{
    /// <summary>One silo's view of every replica. A replica reported unhealed starts a sweep soon, not at the next interval.</summary>
    [Alias("Report")]
    Task ReportAsync(SiloReplicaReport report);

    [Alias("GetHealth")]
    Task<ReplicaHealthOverview> GetHealthAsync();
}
