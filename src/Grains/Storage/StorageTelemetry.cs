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

    internal static readonly Counter<long> ReplicaFailures =
        Meter.CreateCounter<long>(ReplicaFailuresCounterName, description: "Failed requests to one replica, by operation.");

    internal static readonly Counter<long> Repairs =
        Meter.CreateCounter<long>(RepairsCounterName, description: "Entries and snapshots written to a replica that lacked them.");
}
