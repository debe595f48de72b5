using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DeviceSync.Grains.Telemetry;

namespace DeviceSync.Grains.Blobs;

/// <summary>Blob garbage collection's metrics, on the grains' meter (<see cref="GrainTelemetry.MeterName"/>).</summary>
internal static class BlobGcTelemetry
{
    private static readonly Meter Meter = new(GrainTelemetry.MeterName);

    /// <summary>The latest pass's figures per account scanned on this silo (an account's pass runs where its index grain is).</summary>
    private static readonly ConcurrentDictionary<string, (int AwaitingGrace, int PendingDeletes)> LatestByAccount = new(StringComparer.Ordinal);

    public static readonly Counter<long> Collected = Meter.CreateCounter<long>(
        "devicesync.blobs.gc.collected", description: "Blobs dropped from an account's index by garbage collection (unreferenced for a whole grace period).");

    public static readonly Counter<long> CollectedBytes = Meter.CreateCounter<long>(
        "devicesync.blobs.gc.collected_bytes", description: "Bytes of the blobs garbage collection dropped (per replica).");

    public static readonly Counter<long> Scans = Meter.CreateCounter<long>(
        "devicesync.blobs.gc.scans", description: "Garbage-collection passes over an account's blob index.");

    public static readonly Counter<long> UploadsRefused = Meter.CreateCounter<long>(
        "devicesync.blobs.gc.uploads_refused", description: "Uploads refused (503, the device uploads again) because their blob was collected while they ran.");

    static BlobGcTelemetry()
    {
        Meter.CreateObservableGauge(
            "devicesync.blobs.gc.awaiting_grace",
            () => (long)LatestByAccount.Values.Sum(v => v.AwaitingGrace),
            description: "Unreferenced blobs waiting out their grace period, as of each account's latest pass on this silo.");
        Meter.CreateObservableGauge(
            "devicesync.blobs.gc.pending_deletes",
            () => (long)LatestByAccount.Values.Sum(v => v.PendingDeletes),
            description: "Collected blobs whose bytes some replica still holds (retried at each pass), as of each account's latest pass on this silo.");
    }

    public static void Record(string accountId, int awaitingGrace, int pendingDeletes)
    {
        if (awaitingGrace == 0 && pendingDeletes == 0)
        {
            LatestByAccount.TryRemove(accountId, out _);
        }
        else
        {
            LatestByAccount[accountId] = (awaitingGrace, pendingDeletes);
        }
    }
}
