using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// The backup's meter (add <see cref="MeterName"/> to OpenTelemetry). Prometheus names: <c>devicesync_backup_*</c>;
/// docs/operations.md, "Backups, restores and drills", says what each means and what to do about it.
/// </summary>
public static class BackupTelemetry
{
    public const string MeterName = "DeviceSync.Backup";

    internal static readonly Meter Meter = new(MeterName);

    /// <summary>Entries and snapshots copied, by kind (entry, snapshot, reconciled).</summary>
    internal static readonly Counter<long> Copied =
        Meter.CreateCounter<long>("devicesync.backup.copied", description: "Journal entries and snapshots copied to the backup store, by kind.");

    internal static readonly Counter<long> CopyFailures =
        Meter.CreateCounter<long>("devicesync.backup.copy.failures", description: "Failed copy passes of one stream to the backup store (retried).");

    internal static readonly Counter<long> Dropped =
        Meter.CreateCounter<long>("devicesync.backup.dropped", description: "Entries not queued for the backup because the queue was full; shipped by the reconcile at the stream's next open.");

    internal static readonly Counter<long> Forks =
        Meter.CreateCounter<long>("devicesync.backup.forks", description: "Streams found shorter on the live replicas than in the backup (lost live history); a new backup generation began.");

    /// <summary>Streams the background catch-up found lagging in the backup, by outcome of reading them through their owner.</summary>
    internal static readonly Counter<long> CatchUps =
        Meter.CreateCounter<long>("devicesync.backup.catchups", description: "Streams the background catch-up found behind in the backup and had read through their owner (which ships what the backup lacks), by outcome.");

    /// <summary>Only the silo running the sweeper audits; a result older than this is from before the sweeper moved away.</summary>
    private static readonly TimeSpan BehindLifetime = TimeSpan.FromMinutes(15);

    private static readonly ConcurrentDictionary<object, Func<(long Pending, double LagSeconds, double LastCopyUnixSeconds)>> s_copiers = new();
    private static double s_verifiedAgeSeconds = -1;
    private static int s_verified;
    private static readonly Lock s_behindGate = new();
    private static (long Behind, DateTimeOffset At)? s_behind;

    static BackupTelemetry()
    {
        Meter.CreateObservableGauge(
            "devicesync.backup.pending",
            () => s_copiers.Values.Sum(c => c().Pending),
            description: "Entries committed but not yet in the backup store.");
        Meter.CreateObservableGauge(
            "devicesync.backup.lag",
            () => s_copiers.IsEmpty ? 0 : s_copiers.Values.Max(c => c().LagSeconds),
            unit: "s",
            description: "Age of the oldest entry not yet in the backup store (0: none waiting).");
        Meter.CreateObservableGauge(
            "devicesync.backup.last_copy",
            () => s_copiers.IsEmpty ? 0 : s_copiers.Values.Max(c => c().LastCopyUnixSeconds),
            unit: "s",
            description: "Unix time of the last successful write to the backup store (0: none since start).");
        Meter.CreateObservableGauge(
            "devicesync.backup.streams_behind",
            ObserveStreamsBehind,
            description: "Streams whose backup lagged their live head at the last catch-up audit (reported by the silo running the sweeper).");
        Meter.CreateObservableGauge(
            "devicesync.backup.last_verified_age",
            () => Volatile.Read(ref s_verifiedAgeSeconds),
            unit: "s",
            description: "Age of the backup point the last passing restore drill verified; -1 when no drill ever passed.");
        Meter.CreateObservableGauge(
            "devicesync.backup.verified",
            () => Volatile.Read(ref s_verified),
            description: "1 when the latest restore drill passed and is younger than Backup:MaxUnverifiedAge, else 0 (unverified).");
    }

    internal static void SetStreamsBehind(long behind, DateTimeOffset at)
    {
        lock (s_behindGate)
        {
            s_behind = (behind, at);
        }
    }

    private static IEnumerable<Measurement<long>> ObserveStreamsBehind()
    {
        (long Behind, DateTimeOffset At)? behind;
        lock (s_behindGate)
        {
            behind = s_behind;
        }

        return behind is { } b && DateTimeOffset.UtcNow - b.At < BehindLifetime ? [new Measurement<long>(b.Behind)] : [];
    }

    internal static void Register(object copier, Func<(long Pending, double LagSeconds, double LastCopyUnixSeconds)> read) => s_copiers[copier] = read;

    internal static void Unregister(object copier) => s_copiers.TryRemove(copier, out _);

    internal static void SetVerification(double ageSeconds, bool verified)
    {
        Volatile.Write(ref s_verifiedAgeSeconds, ageSeconds);
        Volatile.Write(ref s_verified, verified ? 1 : 0);
    }
}
