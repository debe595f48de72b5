using DeviceSync.Contracts;
using DeviceSync.Contracts.Replicas;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Replicas;

/// <summary>
/// The cluster's one sweeper (key 0). One per cluster is enough: a sweep is a full comparison of the replicas, and two
/// running at once would only double its load. Being a grain gives that for free; every silo's
/// <see cref="ReplicaHealthMonitor"/> calls it every few seconds, which keeps it active and, after its silo dies,
/// activates it again on another within one probe interval. The sweep runs off the grain's scheduler (so status calls
/// are answered while it runs) and repairs each stream through the grain that writes it (<see cref="JournalOwners"/>).
/// After each sweep the backup audit (<see cref="IStreamCopyAudit"/>, when backups are on) checks the backup against the
/// sweep's scan, so the backup's background catch-up also runs on one silo at a time.
/// </summary>
public sealed class ReplicaSweeperGrain(
    AzureJournalStore store,
    IOptions<ReplicaSweepOptions> options,
    ILocalSiloDetails silo,
    TimeProvider time,
    IEnumerable<IStreamCopyAudit> copyAudits,
    ILogger<ReplicaSweeperGrain> logger) : Grain, IReplicaSweeperGrain
{
    /// <summary>Reports older than this are from silos that left: they no longer describe the replicas.</summary>
    private static readonly TimeSpan ReportLifetime = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, SiloReplicaReport> _reports = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    /// <summary>Sweeps ended early one after another at most: a replica that keeps being lost must not keep every sweep from
    /// finishing (the others still need their repairs and heals).</summary>
    private const int MaxEndedEarlyInARow = 3;

    private readonly SemaphoreSlim _sweepSoon = new(0, 1);
    private ReplicaSweeper? _sweeper;
    private Task _loop = Task.CompletedTask;

    /// <summary>Ends the sweep under way early; replaced for each sweep by the loop, off the grain's scheduler.</summary>
    private CancellationTokenSource? _endSweep;
    private int _endedEarlyInARow;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            var grains = GrainFactory;
            _sweeper = new ReplicaSweeper(
                store,
                options.Value,
                (streamKey, token) => JournalOwners.RepairAsync(grains, store, streamKey, token),
                logger,
                time,
                StreamAudits.Combine(copyAudits));
            _loop = Task.Run(() => RunAsync(_sweeper, _stop.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-sweep: the next activation sweeps again from the start (a sweep holds no state in storage).
        }
    }

    public Task ReportAsync(SiloReplicaReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _reports[report.Silo] = report;
        if (_sweeper is null)
        {
            return Task.CompletedTask;
        }

        if (report.Replicas.Any(r => r.State == ReplicaHealthState.Unhealed && r.Since is { } since && _sweeper.CannotHeal(r.Replica, since))
            && Volatile.Read(ref _endedEarlyInARow) < MaxEndedEarlyInARow
            && Volatile.Read(ref _endSweep) is { IsCancellationRequested: false } endSweep)
        {
            // A replica lost data after the sweep under way read the markers: that sweep cannot heal it, so end it and start
            // the next at once rather than leave the replica unhealed for the rest of this sweep and then a whole one more.
            try
            {
                _ = endSweep.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // That sweep has just finished on its own.
            }
        }
        else if (report.Replicas.Any(r => r.State == ReplicaHealthState.Unhealed) && _sweeper is { Progress.Running: false })
        {
            // A replica lost data: every write now needs the other replicas, so heal it soon rather than at the next interval.
            if (_sweepSoon.CurrentCount == 0)
            {
                _sweepSoon.Release();
            }
        }

        return Task.CompletedTask;
    }

    public Task<ReplicaHealthOverview> GetHealthAsync()
    {
        var now = time.GetUtcNow();
        foreach (var stale in _reports.Where(r => now - r.Value.At > ReportLifetime).Select(r => r.Key).ToList())
        {
            _reports.Remove(stale);
        }

        var views = _reports.Values.SelectMany(r => r.Replicas.Select(v => (r.Silo, View: v))).ToList();
        var replicas = store.Health.Select(h => h.Snapshot()).Select(own =>
        {
            var all = views.Where(v => v.View.Replica == own.Replica).ToList();
            var lastError = all.Where(v => v.View.LastErrorAt is not null).OrderByDescending(v => v.View.LastErrorAt).FirstOrDefault();
            return new ReplicaStatus
            {
                Replica = own.Replica,
                State = ReplicaHealthMonitor.ToWire(own.State),
                Reason = own.Reason,
                Since = own.Since,
                StreamsBehind = own.StreamsBehind,
                LastErrorAt = lastError.View?.LastErrorAt ?? own.LastErrorAt,
                LastErrorKind = lastError.View?.LastErrorKind ?? own.LastErrorKind,
                LastErrorSilo = lastError.View is not null ? lastError.Silo : own.LastErrorAt is not null ? silo.SiloAddress.ToString() : null,
                RepairsWritten = all.Count > 0 ? all.Sum(v => v.View.RepairsWritten) : own.RepairsWritten,
                Layout = store.Replicas[own.Replica].Layout.ToString(),
            };
        }).ToArray();

        var progress = _sweeper?.Progress;
        return Task.FromResult(new ReplicaHealthOverview
        {
            ObservedAt = now,
            Replicas = replicas,
            SilosReporting = _reports.Count,
            Sweep = new SweepStatus
            {
                Enabled = options.Value.Enabled,
                Silo = silo.SiloAddress.ToString(),
                Running = progress?.Running ?? false,
                StartedAt = progress?.StartedAt,
                StreamsTotal = progress?.StreamsTotal ?? 0,
                StreamsChecked = progress?.StreamsChecked ?? 0,
                StreamsBehind = progress?.StreamsBehind ?? 0,
                StreamsRepaired = progress?.StreamsRepaired ?? 0,
                RepairsFailed = progress?.RepairsFailed ?? 0,
                LastCompletedAt = progress?.LastCompletedAt,
                LastDuration = progress?.LastDuration,
                LastOutcome = progress?.LastOutcome,
                LastHealed = progress?.LastHealed ?? [],
            },
        });
    }

    private async Task RunAsync(ReplicaSweeper sweeper, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var endSweep = new CancellationTokenSource();
            Volatile.Write(ref _endSweep, endSweep);
            try
            {
                await sweeper.SweepAsync(cancellationToken, endSweep.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Logged and counted by the sweeper; try again after the interval.
            }
            finally
            {
                Volatile.Write(ref _endSweep, null);
            }

            if (endSweep.IsCancellationRequested)
            {
                Interlocked.Increment(ref _endedEarlyInARow);
                continue; // ended early for a replica lost meanwhile: the next sweep can heal it
            }

            Volatile.Write(ref _endedEarlyInARow, 0);

            try
            {
                // The next sweep after the interval, or sooner when a silo reports an unhealed replica.
                await _sweepSoon.WaitAsync(options.Value.Interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
