using System.Diagnostics;
using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// The backup's background catch-up (docs/adr/0005-backups-and-restore.md, point 9). A silo that crashed between the
/// acknowledgement and the copy leaves its streams behind in the backup until they are opened again, which for an idle
/// stream may be never. After each repair sweep (one sweeper per cluster, so this runs on one silo at a time) this compares
/// the live tail the sweep scanned with the backup's tail row of every stream whose live tail moved since it was last found
/// backed up, and has each lagging stream read through the grain that writes it. That read reaches the backup copier of
/// the writer's own silo as an open does (<see cref="IJournalObserver.OnOpened"/>), which ships what the backup lacks.
/// </summary>
/// <remarks>
/// It never writes to the backup itself. Copying from here, on the sweeper's silo, could race the stream's writer on
/// another silo: a live view older than what the writer's copier already shipped looks "shorter than the backup" and
/// would fork a new generation, and two copiers merging the tail row could move it backwards. Going through the owner
/// keeps one copier per stream and a live view that includes every acknowledged entry; the copies themselves are upserts
/// of immutable entries, so a stream reconciled twice is harmless.
/// </remarks>
public sealed class BackupCatchUp(BackupConnection connection, IOptions<BackupOptions> options, TimeProvider time, ILogger<BackupCatchUp> logger) : IStreamCopyAudit
{
    /// <summary>How often every stream is compared again even if its live tail did not move (a backup store replaced or
    /// pruned by hand under a stream that is not written any more).</summary>
    private static readonly TimeSpan FullAuditInterval = TimeSpan.FromHours(1);

    private readonly BackupOptions _options = options.Value;
    private readonly Lock _gate = new();

    /// <summary>Per stream, the live tail at which the backup was last found complete: skipped while the tail stays there.</summary>
    private readonly Dictionary<string, long> _backedUpThrough = new(StringComparer.Ordinal);

    /// <summary>Per stream read through its owner: the scanned tail and where the owner's history actually ended. Rows a
    /// replica holds but no quorum resolved (a write that failed) are not history, and a backup without them is complete.</summary>
    private readonly Dictionary<string, (long Scanned, long Resolved)> _resolved = new(StringComparer.Ordinal);

    private DateTimeOffset _lastFullAudit = DateTimeOffset.MinValue;

    /// <summary>Streams found behind by the last audit (tests).</summary>
    public int LastBehind { get; private set; }

    /// <summary>Streams whose backup tail the last audit read (tests).</summary>
    public int LastChecked { get; private set; }

    public async Task AuditAsync(
        DateTimeOffset scannedAt,
        IReadOnlyList<LiveStreamTail> streams,
        Func<string, CancellationToken, Task<JournalRepairResult>> readThroughOwner,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(readThroughOwner);
        if (connection.Store is not { } store)
        {
            return;
        }

        List<LiveStreamTail> candidates;
        lock (_gate)
        {
            if (time.GetUtcNow() - _lastFullAudit >= FullAuditInterval)
            {
                _backedUpThrough.Clear();
                _lastFullAudit = time.GetUtcNow();
            }

            candidates = streams
                .Where(s => s.LastSequence > 0 && !(_backedUpThrough.TryGetValue(s.StreamKey, out var through) && through == s.LastSequence))
                .ToList();
        }

        if (candidates.Count == 0)
        {
            Publish(0, 0);
            return;
        }

        // Entries the scan saw were acknowledged at about its end; their writers' copiers ship them within seconds.
        var due = scannedAt + _options.CatchUpGrace - time.GetUtcNow();
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
        }

        // One paged read of the index (one row per stream) instead of a point read per stream.
        var generations = (await store.ListStreamsAsync("", cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.StreamKey, s => s.Generation, StringComparer.Ordinal);
        var behind = new List<LiveStreamTail>();
        var pace = Stopwatch.StartNew();
        var reads = 0;
        foreach (var live in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = live.LastSequence;
            lock (_gate)
            {
                if (_resolved.TryGetValue(live.StreamKey, out var resolved) && resolved.Scanned == live.LastSequence)
                {
                    target = resolved.Resolved;
                }
            }

            long backedUp = 0;
            if (generations.TryGetValue(live.StreamKey, out var generation))
            {
                var readDue = TimeSpan.FromSeconds(++reads / _options.CatchUpReadsPerSecond) - pace.Elapsed;
                if (readDue > TimeSpan.Zero)
                {
                    await Task.Delay(readDue, cancellationToken).ConfigureAwait(false);
                }

                backedUp = (await store.ReadTailAsync(live.StreamKey, generation, cancellationToken).ConfigureAwait(false))?.Last ?? 0;
            }

            // A backup ahead of the live tail is a stream that lost live history: the copier forks it at its next write.
            if (backedUp >= target)
            {
                lock (_gate)
                {
                    _backedUpThrough[live.StreamKey] = live.LastSequence;
                    _resolved.Remove(live.StreamKey);
                }
            }
            else
            {
                behind.Add(live);
            }
        }

        Publish(candidates.Count, behind.Count);
        if (behind.Count == 0)
        {
            return;
        }

        Log.StreamsBehind(logger, behind.Count, candidates.Count, behind[0].StreamKey);
        foreach (var live in behind)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var result = await readThroughOwner(live.StreamKey, cancellationToken).ConfigureAwait(false);
                BackupTelemetry.CatchUps.Add(1, new KeyValuePair<string, object?>("outcome", "reconciled"));
                if (result.LastSequence < live.LastSequence)
                {
                    lock (_gate)
                    {
                        _resolved[live.StreamKey] = (live.LastSequence, result.LastSequence);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                BackupTelemetry.CatchUps.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
                Log.CatchUpFailed(logger, ex, live.StreamKey);
            }
        }
    }

    private void Publish(int @checked, int behind)
    {
        LastChecked = @checked;
        LastBehind = behind;
        BackupTelemetry.SetStreamsBehind(behind, time.GetUtcNow());
    }
}
