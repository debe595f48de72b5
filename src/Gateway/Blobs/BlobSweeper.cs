using System.Diagnostics;
using System.Diagnostics.Metrics;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// Refills replicas that lost blobs (a wiped or replaced storage account) without waiting for reads: every
/// <see cref="BlobSweepOptions.Interval"/> it lists each replica's container, and copies each blob some replica lacks from
/// one that holds it, at most <see cref="BlobSweepOptions.MaxCopiesPerSecond"/>, through the verified stage-and-commit path
/// of an upload. Listing-driven, not index-driven: it needs no grain call and also refills bytes of the shared names of the
/// first blob build. After copying, it reconciles the backup store against the same listing
/// (<see cref="BlobBackupCopier.ReconcileAsync"/>). Every gateway runs one; two copying the same blob are harmless (the second commit finds it there).
/// Bytes garbage collection deletes meanwhile are not brought back for long: a collected blob's deletion stays pending
/// until every replica confirms it (ADR 0009), and a copy that lost its source is skipped.
/// </summary>
public sealed class BlobSweeper : BackgroundService
{
    private readonly ReplicatedBlobStore _store;
    private readonly BlobBackupCopier _backups;
    private readonly Counter<long> _backupQueued;
    private readonly BlobSweepOptions _options;
    private readonly ILogger<BlobSweeper> _logger;
    private readonly Counter<long> _copied;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _passes;
    private long _missing;

    public BlobSweeper(ReplicatedBlobStore store, BlobBackupCopier backups, IOptions<BlobSweepOptions> options, IMeterFactory meters, ILogger<BlobSweeper> logger)
    {
        _store = store;
        _backups = backups;
        _options = options.Value;
        _logger = logger;
        var meter = meters.Create(TelemetryNames.Meter);
        _copied = meter.CreateCounter<long>(TelemetryNames.BlobSweepCopied, "{blob}", "Blobs the sweeper copied to replicas that lacked them.");
        _failed = meter.CreateCounter<long>(TelemetryNames.BlobSweepFailed, "{blob}", "Blobs the sweeper could not copy (retried at the next pass).");
        _backupQueued = meter.CreateCounter<long>(TelemetryNames.BlobBackupReconciled, "{blob}", "Blobs the reconcile found missing from the backup store and queued for a copy (their upload's copy was lost).");
        _passes = meter.CreateCounter<long>(TelemetryNames.BlobSweepPasses, "{pass}", "Completed sweeper passes.");
        meter.CreateObservableGauge(TelemetryNames.BlobSweepMissing, () => Interlocked.Read(ref _missing), "{blob}", "Blobs some replica lacked at the last listing, minus those copied since: 0 when every replica holds every blob.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled || !_store.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.SweepFailed(_logger, ex);
            }

            await Task.Delay(_options.Interval, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var listing = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        var missing = listing.Missing;
        Interlocked.Exchange(ref _missing, missing.Count);
        if (missing.Count > 0)
        {
            Log.SweepFound(_logger, missing.Count);
        }

        var pace = Stopwatch.StartNew();
        int copied = 0, failed = 0;
        foreach (var (name, missingOn, heldOn) in missing)
        {
            // Paced by count since the pass began: a burst after a slow copy is allowed, a sustained rate above the limit is not.
            var due = TimeSpan.FromSeconds((copied + failed) / _options.MaxCopiesPerSecond) - pace.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }

            if (await _store.CopyBetweenReplicasAsync(name, heldOn, missingOn, cancellationToken).ConfigureAwait(false))
            {
                copied++;
                _copied.Add(1);
            }
            else
            {
                failed++;
                _failed.Add(1);
            }

            Interlocked.Decrement(ref _missing);
        }

        Interlocked.Exchange(ref _missing, failed);

        // Then the backup: every blob the replicas hold must have its copy there.
        var queued = await _backups.ReconcileAsync(listing.All, _options.MaxBackupChecksPerSecond, cancellationToken).ConfigureAwait(false);
        if (queued > 0)
        {
            _backupQueued.Add(queued);
            Log.BackupReconciled(_logger, queued);
        }

        _passes.Add(1);
        if (missing.Count > 0)
        {
            Log.SweepDone(_logger, copied, failed, pace.Elapsed.TotalSeconds);
        }
    }
}
