using System.Threading.Channels;
using Azure.Storage.Blobs.Models;
using DeviceSync.Contracts.Blobs;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// Copies each uploaded blob to the backup store in the background, from whichever replica holds it, through the same
/// hash-verified write as an upload. In memory only: a gateway that crashes with copies queued leaves those blobs
/// without a backup copy until they are uploaded again (no reconciliation yet; docs/adr, "Backups").
/// </summary>
public sealed class BlobBackupCopier : BackgroundService
{
    /// <summary>Blobs waiting for their copy; past this the newest are dropped (logged) rather than holding memory without bound.</summary>
    internal const int MaxQueued = 10_000;

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    private readonly Channel<(string AccountId, string Sha256)> _queue = Channel.CreateBounded<(string AccountId, string Sha256)>(new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ReplicatedBlobStore _store;
    private readonly BlobReplica? _backup;
    private readonly ILogger<BlobBackupCopier> _logger;

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
    public void Enqueue(string accountId, string sha256)
    {
        if (_backup is not null && !_queue.Writer.TryWrite((accountId, sha256)))
        {
            Log.BackupDropped(_logger, sha256);
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

        await foreach (var (accountId, sha256) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _store.CopyToAsync(accountId, sha256, _backup, stoppingToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (attempt >= RetryDelays.Length)
                    {
                        Log.BackupFailed(_logger, ex, sha256);
                        break;
                    }

                    await Task.Delay(RetryDelays[attempt], stoppingToken).ConfigureAwait(false);
                }
            }
        }
    }
}
