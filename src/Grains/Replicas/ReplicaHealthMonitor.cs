using DeviceSync.Contracts;
using DeviceSync.Contracts.Replicas;
using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Replicas;

/// <summary>
/// In every silo: reads the replicas' identity markers every <see cref="ReplicaSweepOptions.ProbeInterval"/> (so a
/// replica wiped while this silo did not touch it stops counting here within that time) and reports this silo's view to
/// the cluster's sweeper grain, which also keeps that grain alive wherever it runs.
/// </summary>
public sealed partial class ReplicaHealthMonitor(
    AzureJournalStore store,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<ReplicaSweepOptions> options,
    TimeProvider time,
    ILogger<ReplicaHealthMonitor> logger) : BackgroundService
{
    /// <summary>Reads every reachable replica's journal layout; refuses to start when one cannot be told
    /// (<see cref="JournalLayoutMismatchException"/>): a silo reading the wrong table would serve every stream as empty.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.CheckLayoutAsync().WaitAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProbeInterval, time);
        do
        {
            try
            {
                await store.ProbeAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogProbeFailed(logger, ex); // first start not decided yet (a replica unreachable): next time
            }

            try
            {
                await grains.GetGrain<IReplicaSweeperGrain>(0).ReportAsync(Report());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReportFailed(logger, ex); // the silo is still starting or stopping, or the sweeper is moving: next time
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal static ReplicaHealthState ToWire(ReplicaState state) => state switch
    {
        ReplicaState.Healthy => ReplicaHealthState.Healthy,
        ReplicaState.Unhealed => ReplicaHealthState.Unhealed,
        _ => ReplicaHealthState.Unknown,
    };

    private SiloReplicaReport Report() => new()
    {
        Silo = silo.SiloAddress.ToString(),
        At = time.GetUtcNow(),
        Replicas = store.Health.Select(h => h.Snapshot()).Select(h => new SiloReplicaView
        {
            Replica = h.Replica,
            State = ToWire(h.State),
            Reason = h.Reason,
            Since = h.Since,
            LastErrorAt = h.LastErrorAt,
            LastErrorKind = h.LastErrorKind,
            LastSuccessAt = h.LastSuccessAt,
            RepairsWritten = h.RepairsWritten,
            StreamsBehind = h.StreamsBehind,
        }).ToArray(),
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Replica health probe failed")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Could not report replica health to the sweeper")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);
}
