using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DeviceSync.Grains.Storage;

/// <summary>The storage layer's activity source, meter and instrument names (add these names to OpenTelemetry).</summary>
public static class StorageTelemetry
{
    public const string ActivitySourceName = "DeviceSync.Storage";
    public const string MeterName = "DeviceSync.Storage";

    public const string AppendsCounterName = "devicesync.storage.appends";
    public const string ReplicaWriteDurationName = "devicesync.storage.replica.write.duration";
    public const string ReplicaFailuresCounterName = "devicesync.storage.replica.failures";
    public const string RepairsCounterName = "devicesync.storage.repairs";
    public const string ReplicaStateGaugeName = "devicesync.storage.replica.state";
    public const string ReplicaStreamsBehindGaugeName = "devicesync.storage.replica.streams_behind";
    public const string ReplicaLastErrorGaugeName = "devicesync.storage.replica.last_error_time";
    public const string SweepStreamsCheckedGaugeName = "devicesync.storage.sweep.streams_checked";
    public const string SweepStreamsTotalGaugeName = "devicesync.storage.sweep.streams_total";
    public const string SweepLastCompletedGaugeName = "devicesync.storage.sweep.last_completed_time";
    public const string SweepsCounterName = "devicesync.storage.sweeps";
    public const string SweepRepairsCounterName = "devicesync.storage.sweep.repairs";
    public const string GroupCommitBatchAppendsName = "devicesync.storage.group_commit.batch.appends";
    public const string HistoryLossGenerationGaugeName = "devicesync.storage.history_loss_generation";

    public const string ReplicaTag = "replica";
    public const string OperationTag = "operation";
    public const string OutcomeTag = "outcome";
    public const string SequenceTag = "sequence";

    internal static readonly ActivitySource Source = new(ActivitySourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Appends =
        Meter.CreateCounter<long>(AppendsCounterName, description: "Journal appends, by outcome.");

    internal static readonly Histogram<double> ReplicaWriteDuration =
        Meter.CreateHistogram<double>(ReplicaWriteDurationName, unit: "ms", description: "Duration of one write to one replica.");

    /// <summary>Group commit only: how many streams' appends one shard transaction to one replica carried (1 = nothing batched).</summary>
    internal static readonly Histogram<int> GroupCommitBatchAppends =
        Meter.CreateHistogram<int>(
            GroupCommitBatchAppendsName,
            unit: "{append}",
            description: "Appends in one group-commit transaction to one replica (Storage:GroupCommit; 1 means nothing was batched).",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 50] });

    internal static readonly Counter<long> ReplicaFailures =
        Meter.CreateCounter<long>(ReplicaFailuresCounterName, description: "Failed requests to one replica, by operation.");

    internal static readonly Counter<long> Repairs =
        Meter.CreateCounter<long>(RepairsCounterName, description: "Entries and snapshots written to a replica that lacked them.");

    internal static readonly Counter<long> Sweeps =
        Meter.CreateCounter<long>(SweepsCounterName, description: "Sweeps finished, by outcome (completed, failed).");

    internal static readonly Counter<long> SweepRepairs =
        Meter.CreateCounter<long>(SweepRepairsCounterName, description: "Streams the sweeper had repaired because a replica lacked entries or snapshots, by outcome.");

    /// <summary>The silo's store, whose replicas the gauges below describe (a silo has one; tests make many, the last wins).</summary>
    private static AzureJournalStore? s_tracked;

    static StorageTelemetry()
    {
        Meter.CreateObservableGauge(
            ReplicaStateGaugeName,
            () => Replicas(h => (long)(h.State switch { ReplicaState.Healthy => 1, ReplicaState.Unhealed => 0, _ => -1 })),
            description: "Replica state as this silo sees it: 1 healthy (counts toward the quorums), 0 unhealed (lost data; being refilled), -1 unknown (not reached yet).");
        Meter.CreateObservableGauge(
            ReplicaStreamsBehindGaugeName,
            () => Replicas(h => h.StreamsBehind is { } behind ? behind : null),
            description: "Streams the replica lacked entries or snapshots of at the last sweep (reported by the silo that ran it).");
        Meter.CreateObservableGauge(
            ReplicaLastErrorGaugeName,
            () => Replicas(h => h.LastErrorAt?.ToUnixTimeSeconds()),
            unit: "s",
            description: "Unix time of the last failed request to the replica from this silo.");
        Meter.CreateObservableGauge(
            SweepStreamsCheckedGaugeName,
            () => Sweep(p => p.StreamsChecked),
            description: "Streams the current (or last) sweep on this silo has compared so far.");
        Meter.CreateObservableGauge(
            SweepStreamsTotalGaugeName,
            () => Sweep(p => p.StreamsTotal),
            description: "Streams found by the current (or last) sweep on this silo.");
        Meter.CreateObservableGauge(
            HistoryLossGenerationGaugeName,
            () => Volatile.Read(ref s_tracked) is { } store ? [new Measurement<long>(store.HistoryLossGeneration)] : Array.Empty<Measurement<long>>(),
            description: "How many times a heal could not prove every acknowledged entry survived (replicas healed from fewer than N - W + 1 healthy ones). A rise means data may be lost: restore from backup.");
        Meter.CreateObservableGauge(
            SweepLastCompletedGaugeName,
            () => Sweep(p => p.LastCompletedAt?.ToUnixTimeSeconds()),
            unit: "s",
            description: "Unix time the last sweep on this silo completed.");
    }

    internal static void Track(AzureJournalStore store) => Volatile.Write(ref s_tracked, store);

    private static IEnumerable<Measurement<long>> Replicas(Func<ReplicaHealthSnapshot, long?> value)
    {
        if (Volatile.Read(ref s_tracked) is not { } store)
        {
            yield break;
        }

        foreach (var health in store.Health)
        {
            if (value(health.Snapshot()) is { } measured)
            {
                yield return new Measurement<long>(measured, new KeyValuePair<string, object?>(ReplicaTag, health.Replica));
            }
        }
    }

    private static IEnumerable<Measurement<long>> Sweep(Func<SweepProgress, long?> value)
    {
        if (Volatile.Read(ref s_tracked)?.LastSweep is { } progress && value(progress) is { } measured)
        {
            yield return new Measurement<long>(measured);
        }
    }
}
