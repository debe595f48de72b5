using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DeviceSync.Grains.Telemetry;

/// <summary>The grains' own activity source and meter; hosts subscribe to <see cref="SourceName"/> and <see cref="MeterName"/>.</summary>
public static class GrainTelemetry
{
    public const string SourceName = "DeviceSync.Grains";
    public const string MeterName = "DeviceSync.Grains";

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Commits = Meter.CreateCounter<long>("devicesync.commits", description: "Durable commits (journal entries) by kind.");

    public static readonly Counter<long> MutationResults = Meter.CreateCounter<long>("devicesync.mutations", description: "Mutations processed, by status.");

    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("devicesync.conflicts", description: "Mutations that lost a conflict and were archived.");

    public static readonly Counter<long> Resyncs = Meter.CreateCounter<long>("devicesync.resyncs", description: "Resync instructions sent to devices, by reason.");

    public static readonly Counter<long> ServerBehindAlerts = Meter.CreateCounter<long>("devicesync.alerts.server_behind", description: "A device held more history than the server: the server lost data. Page someone.");

    public static readonly Counter<long> HistoryLossEpochs = Meter.CreateCounter<long>("devicesync.alerts.history_loss_epochs", description: "Collections that started a new epoch because storage declared a history loss (replicas healed from too few healthy ones). Devices hand back what they hold; restore from backup.");

    public static readonly Counter<long> Readmissions = Meter.CreateCounter<long>("devicesync.readmissions", description: "Devices whose account did not know them, presenting a tagged token, by outcome: admitted (account recreated or joined) or the refusal's reason (docs/adr/0008-device-readmission.md).");

    public static readonly Counter<long> MassDeletesHeld = Meter.CreateCounter<long>("devicesync.mass_deletes.held", description: "Sync requests whose deletes the mass-delete guard held back until the device confirms, by reason.");

    public static readonly Counter<long> FencedWrites = Meter.CreateCounter<long>("devicesync.journal.fenced", description: "Appends refused because another activation wrote the sequence first.");

    public static readonly Counter<long> MigrationsArrived = Meter.CreateCounter<long>("devicesync.collections.migrated_in", description: "Collection grains migrated here from a silo shutting down (Collections:MigrateOnShutdown).");

    public static readonly Counter<long> LeasesGranted = Meter.CreateCounter<long>("devicesync.leases.granted", description: "No-change leases granted to gateways (docs/adr/0014-no-change-leases.md).");

    public static readonly Counter<long> LeaseRevocations = Meter.CreateCounter<long>("devicesync.leases.revocations", description: "Gateways told to drop a collection's no-change leases before a commit was acknowledged, by outcome: confirmed, or waited (the gateway did not confirm; its lease was waited out).");

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("devicesync.commit.duration", unit: "ms", description: "Time to make a commit durable on a write quorum.");

    public static readonly Histogram<double> LoadDuration = Meter.CreateHistogram<double>("devicesync.load.duration", unit: "ms", description: "Time to rebuild a grain's state from its snapshot and journal.");
}
