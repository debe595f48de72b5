using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using DeviceSync.Contracts.Blobs;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// Blob bytes on the storage replicas, with the journal's W-of-N rule. The gateway streams them itself: a 64 MiB body
/// does not fit Orleans messages, and passing it through a silo would only add a hop. An upload is read one block at a
/// time (the only memory it holds), hashed as it goes, and each block is staged on every replica in parallel; staged
/// blocks are invisible. Only when the whole body's hash matches its name is the block list committed, and the write
/// counts when W replicas committed it. So a wrong hash, a too-large body or a client that goes away halfway leaves
/// nothing readable anywhere (Azure drops uncommitted blocks after a week).
/// </summary>
public sealed class ReplicatedBlobStore
{
    /// <summary>Read repairs running at once; more are skipped (the next read of that blob tries again).</summary>
    private const int MaxConcurrentRepairs = 2;

    private readonly BlobReplica[] _replicas;
    private readonly int _writeQuorum;
    private readonly BlobOptions _options;
    private readonly ILogger<ReplicatedBlobStore> _logger;
    private readonly ConcurrentDictionary<string, bool> _repairing = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _repairSlots = new(MaxConcurrentRepairs);
    private int _nextReader;

    public ReplicatedBlobStore(IOptions<BlobStorageOptions> storage, IOptions<BlobOptions> options, ILogger<ReplicatedBlobStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        var containerName = storage.Value.TablePrefix.ToLowerInvariant() + "-blobs";
        _replicas = [.. storage.Value.Replicas.Select((connection, i) => new BlobReplica(i, connection, containerName, _options.ReplicaTimeout))];
        _writeQuorum = storage.Value.WriteQuorum;
        if (_replicas.Length == 0)
        {
            Log.BlobsOff(logger);
        }
    }

    /// <summary>False when the gateway has no replicas configured.</summary>
    public bool Enabled => _replicas.Length > 0;

    /// <summary>Writes a device's upload to every replica, as the account's copy; see the class summary for what each outcome leaves behind.</summary>
    public Task<BlobWriteResult> UploadAsync(string accountId, string sha256, Stream body, CancellationToken cancellationToken) =>
        WriteAsync(BlobNames.ForAccount(accountId, sha256), sha256, body, _replicas, _writeQuorum, cancellationToken);

    /// <summary>
    /// Opens the blob on the first replica that has it (starting at a rotating one, to spread reads), as a seekable
    /// stream that fetches ranges on demand (ASP.NET Core's range support seeks it). Replicas that answered 404 get the
    /// blob copied back in the background (read repair: a wiped replica refills with what is read). Null when no replica
    /// could serve it.
    /// </summary>
    public async Task<Stream?> OpenReadAsync(string accountId, string sha256, CancellationToken cancellationToken)
    {
        var name = BlobNames.ForAccount(accountId, sha256);
        var (stream, _) = await OpenFirstAsync(name, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            // On no replica under the account's name: stored by the build before per-account names (ADR 0009), under the
            // shared name, which garbage collection never deletes (read repair then refills the shared name too).
            (stream, _) = await OpenFirstAsync(BlobNames.Shared(sha256), cancellationToken).ConfigureAwait(false);
        }

        if (stream is null)
        {
            Log.Unreadable(_logger, sha256);
        }

        return stream;
    }

    /// <summary>The blob <paramref name="name"/> from the first replica that has it, and how many replicas answered 404.</summary>
    private async Task<(Stream? Stream, int Missing)> OpenFirstAsync(string name, CancellationToken cancellationToken)
    {
        var start = (int)((uint)Interlocked.Increment(ref _nextReader) % (uint)_replicas.Length);
        List<BlobReplica>? missing = null;
        for (var i = 0; i < _replicas.Length; i++)
        {
            var replica = _replicas[(start + i) % _replicas.Length];
            try
            {
                var stream = await replica.Blob(name).OpenReadAsync(
                    new BlobOpenReadOptions(allowModifications: false) { BufferSize = _options.BlockBytes },
                    cancellationToken).ConfigureAwait(false);
                if (missing is not null)
                {
                    ScheduleRepair(name, replica, missing);
                }

                return (stream, missing?.Count ?? 0);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                (missing ??= []).Add(replica);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A dead replica fails as an AggregateException of the SDK's retries; whatever it is, try the next one.
                Log.ReplicaFailed(_logger, replica.Index, "open a blob", ex.GetType().Name);
            }
        }

        return (null, missing?.Count ?? 0);
    }

    private async Task<BlobWriteResult> WriteAsync(string name, string sha256, Stream body, IReadOnlyList<BlobReplica> targets, int quorum, CancellationToken cancellationToken)
    {
        // Block ids must be unique to this upload (a concurrent upload of the same bytes stages its own) and of one length.
        var uploadId = Guid.NewGuid().ToString("N");
        var blockIds = new List<string>();
        var alive = targets.ToList();
        var buffer = ArrayPool<byte>.Shared.Rent(_options.BlockBytes);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        try
        {
            while (true)
            {
                var filled = await FillAsync(body, buffer, _options.BlockBytes, cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break;
                }

                length += filled;
                if (length > _options.MaxBytes)
                {
                    return new BlobWriteResult(BlobWriteOutcome.TooLarge, length, 0);
                }

                hash.AppendData(buffer, 0, filled);
                var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes(uploadId + blockIds.Count.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));
                blockIds.Add(blockId);
                // Every stage of this block finishes (or times out) before the buffer is refilled.
                alive = await OnEachAsync(alive, "stage a block", (replica, token) => replica.StageAsync(name, blockId, buffer, filled, token), cancellationToken).ConfigureAwait(false);
                if (alive.Count < quorum)
                {
                    return new BlobWriteResult(BlobWriteOutcome.Unavailable, length, 0);
                }
            }

            if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), sha256, StringComparison.Ordinal))
            {
                return new BlobWriteResult(BlobWriteOutcome.HashMismatch, length, 0);
            }

            var committed = await OnEachAsync(alive, "commit a blob", (replica, token) => replica.CommitAsync(name, blockIds, length, token), cancellationToken).ConfigureAwait(false);
            return new BlobWriteResult(committed.Count >= quorum ? BlobWriteOutcome.Stored : BlobWriteOutcome.Unavailable, length, committed.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs a request on each replica in parallel, each bounded by the replica timeout; returns those that succeeded.</summary>
    private async Task<List<BlobReplica>> OnEachAsync(List<BlobReplica> replicas, string step, Func<BlobReplica, CancellationToken, Task> request, CancellationToken cancellationToken)
    {
        var attempts = replicas.Select(async replica =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ReplicaTimeout);
            try
            {
                await request(replica, timeout.Token).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.ReplicaFailed(_logger, replica.Index, step, ex.GetType().Name);
                return false;
            }
        }).ToArray();
        var succeeded = await Task.WhenAll(attempts).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return [.. replicas.Where((_, i) => succeeded[i])];
    }

    /// <summary>
    /// Copies blob <paramref name="name"/> from a replica that holds it to <paramref name="target"/> (the backup store, where copies are
    /// content-addressed under <see cref="BlobNames.Shared"/> and never deleted), verified like an upload; nothing to do when
    /// the target has it already. Throws when no replica could serve it or the copy failed.
    /// </summary>
    internal async Task CopyToAsync(string name, BlobReplica target, CancellationToken cancellationToken)
    {
        var sha256 = name[(name.LastIndexOf('/') + 1)..];
        var targetName = BlobNames.Shared(sha256);
        if (await target.ExistsAsync(targetName, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var (opened, _) = await OpenFirstAsync(name, cancellationToken).ConfigureAwait(false);
        await using var source = opened ?? throw new IOException($"No replica could serve blob {name} for its copy.");
        var result = await WriteAsync(targetName, sha256, source, [target], 1, cancellationToken).ConfigureAwait(false);
        if (result.Outcome != BlobWriteOutcome.Stored)
        {
            throw new IOException($"The copy of blob {sha256} ended {result.Outcome}.");
        }
    }

    /// <summary>
    /// Lists every replica: every blob name some listed replica holds and, per name that another listed replica lacks, the
    /// replicas that lack it. A replica that cannot be listed takes no part (it gets nothing, and its blobs are not
    /// offered); fewer than two listed: nothing is missing. Uncommitted blocks are not listed, so an upload in flight is
    /// never "missing".
    /// </summary>
    internal async Task<BlobListing> ListAsync(CancellationToken cancellationToken)
    {
        var listings = await Task.WhenAll(_replicas.Select(async replica =>
        {
            try
            {
                return await replica.ListNamesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.ReplicaFailed(_logger, replica.Index, "list blobs", ex.GetType().Name);
                return null;
            }
        })).ConfigureAwait(false);
        var listed = Enumerable.Range(0, _replicas.Length).Where(i => listings[i] is not null).ToArray();
        var all = new List<string>();
        var missing = new List<(string, int[], int[])>();
        foreach (var name in listed.SelectMany(i => listings[i]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!BlobHashes.IsValid(name[(name.LastIndexOf('/') + 1)..]))
            {
                continue; // not a blob this store wrote
            }

            all.Add(name);
            var lacking = listed.Where(i => !listings[i]!.Contains(name)).ToArray();
            if (lacking.Length > 0 && listed.Length >= 2)
            {
                missing.Add((name, lacking, listed.Except(lacking).ToArray()));
            }
        }

        return new BlobListing(all, missing);
    }

    /// <summary>
    /// Copies blob <paramref name="name"/> from one replica that holds it to those that lack it, through the verified
    /// stage-and-commit path (committed only if the hash matches; a copy that finds it already there leaves it). True when
    /// every target has it afterwards.
    /// </summary>
    internal async Task<bool> CopyBetweenReplicasAsync(string name, IReadOnlyList<int> heldOn, IReadOnlyList<int> missingOn, CancellationToken cancellationToken)
    {
        var sha256 = name[(name.LastIndexOf('/') + 1)..];
        var targets = missingOn.Select(i => _replicas[i]).ToList();
        foreach (var source in heldOn.Select(i => _replicas[i]))
        {
            try
            {
                await using var copy = await source.Blob(name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = _options.BlockBytes }, cancellationToken).ConfigureAwait(false);
                var result = await WriteAsync(name, sha256, copy, targets, targets.Count, cancellationToken).ConfigureAwait(false);
                return result.Outcome == BlobWriteOutcome.Stored;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Deleted since the listing (garbage collection): nothing to copy.
                return true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.ReplicaFailed(_logger, source.Index, "read a blob to copy", ex.GetType().Name);
            }
        }

        return false;
    }

    /// <summary>True when some replica holds the account's copy of the blob, or the shared copy of the first blob build.</summary>
    internal async Task<bool> IsStoredAsync(string accountId, string sha256, CancellationToken cancellationToken)
    {
        foreach (var replica in _replicas)
        {
            try
            {
                if (await replica.ExistsAsync(BlobNames.ForAccount(accountId, sha256), cancellationToken).ConfigureAwait(false)
                    || await replica.ExistsAsync(BlobNames.Shared(sha256), cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.ReplicaFailed(_logger, replica.Index, "look a blob up", ex.GetType().Name);
            }
        }

        return false;
    }

    /// <summary>Writes bytes read from elsewhere (the backup store) as the account's copy, with an upload's verification and quorum.</summary>
    internal Task<BlobWriteResult> RestoreAsync(string accountId, string sha256, Stream source, CancellationToken cancellationToken) =>
        WriteAsync(BlobNames.ForAccount(accountId, sha256), sha256, source, _replicas, _writeQuorum, cancellationToken);

    private void ScheduleRepair(string name, BlobReplica source, List<BlobReplica> targets)
    {
        var sha256 = name[(name.LastIndexOf('/') + 1)..];
        if (!_repairing.TryAdd(name, true))
        {
            return;
        }

        if (!_repairSlots.Wait(0))
        {
            _repairing.TryRemove(name, out _);
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                // Through the same verified path as an upload: the copy is committed only if its hash matches.
                using var copy = await source.Blob(name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = _options.BlockBytes }).ConfigureAwait(false);
                var result = await WriteAsync(name, sha256, copy, targets, 1, CancellationToken.None).ConfigureAwait(false);
                Log.Repaired(_logger, sha256, result.Acknowledged, targets.Count);
            }
            catch (Exception ex)
            {
                Log.RepairFailed(_logger, ex, sha256);
            }
            finally
            {
                _repairSlots.Release();
                _repairing.TryRemove(name, out _);
            }
        });
    }

    private static async Task<int> FillAsync(Stream body, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < count)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled, count - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
