using System.Threading.Channels;
using Azure.Storage.Blobs.Models;
using DeviceSync.Contracts.Blobs;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// Copies each uploaded blob to the backup store in the background, from whichever replica holds it, through the same
/// hash-verified write as an upload. The queue is in memory: a gateway that crashes with copies queued leaves those blobs
/// without a backup copy until the next sweeper pass of any gateway reconciles the backup (<see cref="ReconcileAsync"/>).
/// </summary>
public sealed class BlobBackupCopier : BackgroundService
{
    /// <summary>Blobs waiting for their copy; past this the newest are dropped (logged) rather than holding memory without bound.</summary>
    internal const int MaxQueued = 10_000;

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ReplicatedBlobStore _store;
    private readonly BlobReplica? _backup;
    private readonly ILogger<BlobBackupCopier> _logger;

    /// <summary>Hashes the backup is known to hold (it never deletes): the reconcile does not check them again.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _inBackup = new(StringComparer.Ordinal);

    public BlobBackupCopier(ReplicatedBlobStore store, IOptions<BlobBackupOptions> backup, IOptions<BlobOptions> options, ILogger<BlobBackupCopier> logger)
    {
        _store = store;
        _logger = logger;
        if (backup.Value.Enabled)
        {
            _backup = new BlobReplica(-1, backup.Value.ConnectionString, backup.Value.TablePrefix.ToLowerInvariant() + "-backup-blobs", options.Value.ReplicaTimeout);
        }
    }

    public bool Enabled => _backup is not null;

    /// <summary>Queues a copy of an account's blob that is now on a write quorum of replicas.</summary>
    public void Enqueue(string accountId, string sha256) => EnqueueName(BlobNames.ForAccount(accountId, sha256));

    /// <summary>
    /// The reconcile (after each sweeper pass): checks that the backup holds every blob the replicas hold, and queues a copy
    /// of each it lacks, so a gateway that crashed with copies queued leaves no blob without a backup copy for longer than
    /// one sweep interval. A hash found in the backup is remembered, so each is checked once per gateway lifetime. Returns
    /// the copies queued.
    /// </summary>
    public async Task<int> ReconcileAsync(IReadOnlyList<string> names, double checksPerSecond, CancellationToken cancellationToken)
    {
        if (_backup is null)
        {
            return 0;
        }

        var pace = System.Diagnostics.Stopwatch.StartNew();
        int checks = 0, queued = 0;
        foreach (var name in names)
        {
            var sha256 = name[(name.LastIndexOf('/') + 1)..];
            if (_inBackup.ContainsKey(sha256))
            {
                continue;
            }

            var due = TimeSpan.FromSeconds(checks++ / checksPerSecond) - pace.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }

            if (await _backup.ExistsAsync(BlobNames.Shared(sha256), cancellationToken).ConfigureAwait(false))
            {
                _inBackup.TryAdd(sha256, true);
            }
            else
            {
                EnqueueName(name);
                queued++;
            }
        }

        return queued;
    }

    private void EnqueueName(string name)
    {
        if (_backup is not null && !_queue.Writer.TryWrite(name))
        {
            Log.BackupDropped(_logger, name);
        }
    }

    /// <summary>
    /// Puts an account's blob back on the replicas from the backup store when no replica holds it (a restore after the
    /// replicas lost it, or after it was collected): verified and acknowledged like an upload.
    /// </summary>
    public async Task<BlobRestoreOutcome> RestoreToReplicasAsync(string accountId, string sha256, CancellationToken cancellationToken)
    {
        if (await _store.IsStoredAsync(accountId, sha256, cancellationToken).ConfigureAwait(false))
        {
            return BlobRestoreOutcome.Present;
        }

        if (_backup is null || !await _backup.ExistsAsync(BlobNames.Shared(sha256), cancellationToken).ConfigureAwait(false))
        {
            return BlobRestoreOutcome.NotInBackup;
        }

        await using var source = await _backup.Blob(BlobNames.Shared(sha256)).OpenReadAsync(
            new BlobOpenReadOptions(allowModifications: false), cancellationToken).ConfigureAwait(false);
        var result = await _store.RestoreAsync(accountId, sha256, source, cancellationToken).ConfigureAwait(false);
        return result.Outcome == BlobWriteOutcome.Stored ? BlobRestoreOutcome.Restored : BlobRestoreOutcome.Failed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_backup is null)
        {
            return;
        }

        await foreach (var name in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _store.CopyToAsync(name, _backup, stoppingToken).ConfigureAwait(false);
                    _inBackup.TryAdd(name[(name.LastIndexOf('/') + 1)..], true);
                    break;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (attempt >= RetryDelays.Length)
                    {
                        Log.BackupFailed(_logger, ex, name);
                        break;
                    }

                    await Task.Delay(RetryDelays[attempt], stoppingToken).ConfigureAwait(false);
                }
            }
        }
    }
}
