using System.Diagnostics;
using Azure;
using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// One sweep over every stream of every replica: compares what each replica holds of each stream (the row keys and
/// snapshot names, never payloads), has every stream that some replica lacks something of repaired by its owner, and
/// marks an unhealed replica healthy once it holds every stream a quorum holds. Throttled on both sides (rows read per
/// second, repairs per second) so it cannot starve device traffic. See README.md, "Sweeper".
/// </summary>
/// <param name="repair">Repairs one stream and says which replicas hold all of it afterwards. In a silo this is a call to
/// the grain that owns the stream, so the repair never races that stream's writer (the read-repair's replacements and
/// deletions are only safe between one writer's appends); tests call <see cref="AzureJournalStore.RepairAsync"/>.</param>
/// <param name="copyAudit">Checks the backup against the live tails this sweep scanned, after the replicas are healed
/// (null: no backup). Its reads through owners share the repair pace.</param>
public sealed class ReplicaSweeper(
    AzureJournalStore store,
    ReplicaSweepOptions options,
    Func<string, CancellationToken, Task<JournalRepairResult>> repair,
    ILogger logger,
    TimeProvider? time = null,
    IStreamCopyAudit? copyAudit = null)
{
    private const int ScanPageSize = 1000;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The history-loss generation this sweep raised, if it had to (reset at each sweep's start).</summary>
    private long? _declaredGeneration;

    /// <summary>The last sweep's scan, for the copy audit that follows it.</summary>
    private (DateTimeOffset ScannedAt, Dictionary<string, StreamTail[]> Streams, bool[] Scanned)? _audit;

    /// <summary>The sweep under way, once it has read the replicas' markers: when it began and which replicas it can heal.</summary>
    private SweepScope? _scope;

    public SweepProgress Progress { get; } = new();

    /// <summary>
    /// Whether the sweep under way cannot heal <paramref name="replica"/>, found unhealed at <paramref name="unhealedSince"/>:
    /// it began before then and did not find the replica unhealed (it was healthy or could not be read). Such a sweep is
    /// worth ending early (<c>endEarly</c> of <see cref="SweepAsync"/>): its heal is voided anyway, so the replica would
    /// wait for the rest of it and then a whole sweep more. False between sweeps and until the markers are read.
    /// </summary>
    public bool CannotHeal(int replica, DateTimeOffset unhealedSince) =>
        Volatile.Read(ref _scope) is { } scope && unhealedSince > scope.StartedAt && !scope.Healable.Contains(replica);

    /// <summary>Runs one sweep; returns the replicas it healed. Failures of single streams are counted, not thrown.</summary>
    /// <param name="endEarly">Ends the sweep where it is (repairs under way finish): its outcome is "ended early", it heals
    /// nothing and skips the backup audit, and it returns at once instead of throwing.</param>
    public async Task<IReadOnlyList<int>> SweepAsync(CancellationToken cancellationToken = default, CancellationToken endEarly = default)
    {
        var started = Stopwatch.GetTimestamp();
        _declaredGeneration = null;
        Progress.Start(_time.GetUtcNow());
        store.LastSweep = Progress;
        _audit = null;
        IReadOnlyList<int> healed;
        using var stopOrEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, endEarly);
        try
        {
            healed = await SweepOnceAsync(stopOrEnd.Token).ConfigureAwait(false);
            Progress.Finish(_time.GetUtcNow(), "completed", healed);
            StorageTelemetry.Sweeps.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "completed"));
            var (streams, behind, repaired, failed) = ((int)Progress.StreamsTotal, (int)Progress.StreamsBehind, (int)Progress.StreamsRepaired, (int)Progress.RepairsFailed);
            var healedList = string.Join(",", healed);
            var elapsed = Stopwatch.GetElapsedTime(started);
            Log.SweepFinished(logger, streams, behind, repaired, failed, healedList, elapsed);
        }
        catch (OperationCanceledException) when (endEarly.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Progress.Finish(_time.GetUtcNow(), "ended early", []);
            StorageTelemetry.Sweeps.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "ended-early"));
            var (elapsed, repaired) = (Stopwatch.GetElapsedTime(started), (int)Progress.StreamsRepaired);
            Log.SweepEndedEarly(logger, elapsed, repaired);
            return [];
        }
        catch (Exception ex)
        {
            Progress.Finish(_time.GetUtcNow(), "failed: " + ex.GetType().Name, []);
            StorageTelemetry.Sweeps.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "failed"));
            if (ex is not OperationCanceledException)
            {
                Log.SweepFailed(logger, ex);
            }

            throw;
        }
        finally
        {
            Volatile.Write(ref _scope, null);
        }

        // After the sweep is reported finished: the audit's grace and paced reads are not the replicas' sweep (its time and
        // outcome stay the sweep's own), and a replica reported unhealed meanwhile gets the next sweep right after it.
        if (_audit is { } audit)
        {
            _audit = null;
            await AuditCopiesAsync(audit.ScannedAt, audit.Streams, audit.Scanned, cancellationToken).ConfigureAwait(false);
        }

        return healed;
    }

    private async Task<IReadOnlyList<int>> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var replicas = store.Replicas;
        var n = replicas.Count;
        var startedAt = _time.GetUtcNow();
        await store.ProbeAsync().ConfigureAwait(false);

        // What each replica said about itself when the sweep began. A heal is conditional on the marker row and the
        // container being the very ones seen here: a wipe during the sweep changes both, and voids the heal.
        var markers = new ReplicaMarker?[n];
        var containers = new ETag?[n];
        for (var i = 0; i < n; i++)
        {
            try
            {
                // The container first: finding it missing recreates it and rewrites the marker row, which must happen
                // before the row's ETag is taken, or the heal would be voided by the sweep's own doing.
                containers[i] = await replicas[i].ContainerETagAsync().ConfigureAwait(false);
                markers[i] = await replicas[i].ReadMarkerAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                markers[i] = null; // unreachable: neither a source this sweep nor healed by it
            }
        }

        // The replicas this sweep can heal: unhealed when it began (a heal is conditional on these markers).
        var unhealedAtStart = Enumerable.Range(0, n).Where(i => markers[i] is { State: not ReplicaState.Healthy }).ToArray();
        Volatile.Write(ref _scope, new SweepScope(startedAt, [.. unhealedAtStart]));

        // Every stream on every replica that answers: its newest snapshot, last row, rows above the snapshot, genesis row.
        var streams = new Dictionary<string, StreamTail[]>(StringComparer.Ordinal);
        var scanned = new bool[n];
        for (var i = 0; i < n; i++)
        {
            if (markers[i] is null)
            {
                continue;
            }

            try
            {
                await ScanAsync(i, streams, cancellationToken).ConfigureAwait(false);
                scanned[i] = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SweepRepairFailed(logger, ex, $"(scan of replica {i})");
            }
        }

        // A stream is behind on a replica that lacks its newest entry or snapshot any replica has, or has a hole in its
        // rows above its own snapshot, or lacks the genesis row (the fence for entry 1).
        var behindOn = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var behindCounts = new int[n];
        foreach (var (partitionKey, tails) in streams)
        {
            var target = tails.Where((_, i) => scanned[i]).Max(t => t.Tail);
            var lagging = new List<int>();
            for (var i = 0; i < n; i++)
            {
                if (scanned[i] && tails[i].IsBehind(target))
                {
                    lagging.Add(i);
                    behindCounts[i]++;
                }
            }

            if (lagging.Count > 0)
            {
                behindOn[partitionKey] = lagging;
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (scanned[i])
            {
                replicas[i].Health.RecordStreamsBehind(behindCounts[i]);
            }
        }

        var scannedAt = _time.GetUtcNow();
        Progress.Scanned(streams.Count, behindOn.Count);

        // Repair, paced. An unhealed replica heals only if every stream it lacked was repaired onto it.
        var incomplete = new HashSet<int>();
        var incompleteGate = new Lock(); // repairs finish on several threads
        var pace = Stopwatch.StartNew();
        long repairs = 0;
        Progress.Checked(streams.Count - behindOn.Count);

        // A few repairs at once, within the pace: each is a grain call that waits its turn behind that stream's device
        // writes and then reads every replica, so one at a time leaves the pace unused under load (~0.5 s per repair).
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentRepairs, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(behindOn, parallel, async (stream, token) =>
        {
            var (partitionKey, lagging) = stream;
            await PaceAsync(pace, Interlocked.Increment(ref repairs), options.MaxRepairsPerSecond, token).ConfigureAwait(false);
            JournalRepairResult? result = null;
            if (StreamKeyEncoding.TryDecode(partitionKey, out var streamKey))
            {
                try
                {
                    result = await repair(streamKey, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepRepairFailed(logger, ex, streamKey);
                }
            }

            var succeeded = result is not null && lagging.All(result.CompleteReplicas.Contains);
            Progress.Repaired(succeeded);
            StorageTelemetry.SweepRepairs.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, succeeded ? "repaired" : "failed"));
            lock (incompleteGate)
            {
                foreach (var replica in lagging.Where(r => result is null || !result.CompleteReplicas.Contains(r)))
                {
                    incomplete.Add(replica);
                }
            }
        }).ConfigureAwait(false);

        var healed = await HealAsync(unhealedAtStart, markers, containers, scanned, incomplete).ConfigureAwait(false);
        _audit = (scannedAt, streams, scanned);
        return healed;
    }

    /// <summary>Hands the scan's live tails to the backup audit, so the backup needs no scan of its own. Its failure is logged
    /// and does not fail the sweep: the replicas' repair and healing are done and stand on their own.</summary>
    private async Task AuditCopiesAsync(DateTimeOffset scannedAt, Dictionary<string, StreamTail[]> streams, bool[] scanned, CancellationToken cancellationToken)
    {
        if (copyAudit is null || !scanned.Any(s => s))
        {
            return;
        }

        var live = new List<LiveStreamTail>(streams.Count);
        foreach (var (partitionKey, tails) in streams)
        {
            if (StreamKeyEncoding.TryDecode(partitionKey, out var streamKey))
            {
                live.Add(new LiveStreamTail(streamKey, tails.Where((_, i) => scanned[i]).Max(t => t.Tail)));
            }
        }

        var pace = Stopwatch.StartNew();
        var reads = 0;
        async Task<JournalRepairResult> ReadThroughOwnerAsync(string streamKey, CancellationToken token)
        {
            await PaceAsync(pace, Interlocked.Increment(ref reads), options.MaxRepairsPerSecond, token).ConfigureAwait(false);
            return await repair(streamKey, token).ConfigureAwait(false);
        }

        try
        {
            await copyAudit.AuditAsync(scannedAt, live, ReadThroughOwnerAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CopyAuditFailed(logger, ex);
        }
    }

    private async Task<IReadOnlyList<int>> HealAsync(int[] unhealed, ReplicaMarker?[] markers, ETag?[] containers, bool[] scanned, HashSet<int> incomplete)
    {
        var healed = new List<int>();
        // Every acknowledged entry is on W healthy replicas; any R healthy replicas include one of them. So the union of
        // R healthy replicas' streams (or of all replicas) is every stream a quorum holds: with fewer scanned, nothing can
        // be proven complete.
        var healthySources = Enumerable.Range(0, markers.Length).Count(i => scanned[i] && markers[i] is { State: ReplicaState.Healthy });
        var all = scanned.All(s => s);

        // Every write quorum (W healthy replicas) intersects any N - W + 1 replicas. With fewer healthy ones left, an
        // acknowledged entry may have been held only by replicas that lost it, and the refill below cannot bring it back.
        var intersecting = markers.Length - store.Options.WriteQuorum + 1;
        var historyMayBeLost = healthySources < intersecting;
        foreach (var replica in unhealed)
        {
            string? why = null;
            if (healthySources < store.Options.ReadQuorum && !all)
            {
                why = $"{healthySources} healthy replicas were compared, {store.Options.ReadQuorum} needed";
            }
            else if (!scanned[replica])
            {
                why = "it could not be read";
            }
            else if (incomplete.Contains(replica))
            {
                why = "some streams it lacks could not be repaired yet";
            }
            else
            {
                try
                {
                    if (await store.Replicas[replica].ContainerETagAsync().ConfigureAwait(false) != containers[replica])
                    {
                        why = "its blob container was replaced during the sweep";
                    }
                    else if (historyMayBeLost && !await DeclareHistoryLossAsync(unhealed, markers, scanned, healthySources, intersecting).ConfigureAwait(false))
                    {
                        why = "the history-loss generation could not be raised on the healthy replicas";
                    }
                    else if (!await store.Replicas[replica].MarkHealthyAsync(markers[replica]!.ETag).ConfigureAwait(false))
                    {
                        why = "its marker changed during the sweep (wiped or marked again)";
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    why = "it failed at the end of the sweep (" + ex.GetType().Name + ")";
                }
            }

            if (why is null)
            {
                healed.Add(replica);
                Log.ReplicaHealed(logger, replica);
            }
            else
            {
                Log.ReplicaNotHealed(logger, replica, why);
            }
        }

        if (healed.Count > 0)
        {
            await store.ProbeAsync().ConfigureAwait(false);
        }

        return healed;
    }

    /// <summary>
    /// Raises the cluster's history-loss generation (<see cref="HistoryLossClock"/>) before any replica healed from too few
    /// healthy ones is marked healthy: on every healthy replica now, and on each healed one in its new marker row. Opens
    /// take the highest generation of the markers they read, and any R healthy replicas after this heal include a healed
    /// one, so no stream is served from the refilled history without learning that it may be cut. Once per sweep.
    /// </summary>
    private async Task<bool> DeclareHistoryLossAsync(int[] unhealed, ReplicaMarker?[] markers, bool[] scanned, int healthy, int needed)
    {
        if (_declaredGeneration is not null)
        {
            return true;
        }

        var generation = store.LossClock.Current + 1; // the sweep's marker reads have already raised the clock to theirs
        store.LossClock.Observe(generation);
        var raised = true;
        for (var i = 0; i < markers.Length; i++)
        {
            if (scanned[i] && markers[i] is { State: ReplicaState.Healthy })
            {
                try
                {
                    raised &= await store.Replicas[i].RaiseLossGenerationAsync(generation).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepRepairFailed(logger, ex, $"(history-loss generation on replica {i})");
                    raised = false;
                }
            }
        }

        if (raised)
        {
            _declaredGeneration = generation;
            Log.HistoryLossDeclared(logger, string.Join(", ", unhealed), healthy, needed, generation);
        }

        return raised;
    }

    private async Task ScanAsync(int replica, Dictionary<string, StreamTail[]> streams, CancellationToken cancellationToken)
    {
        var source = store.Replicas[replica];
        var n = store.Replicas.Count;
        StreamTail[] TailsOf(string partitionKey)
        {
            if (!streams.TryGetValue(partitionKey, out var tails))
            {
                tails = new StreamTail[n];
                streams[partitionKey] = tails;
            }

            return tails;
        }

        // Snapshots first: rows are counted relative to the replica's newest snapshot.
        await foreach (var page in source.ScanSnapshotsAsync().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var (partitionKey, sequence) in page)
            {
                var tails = TailsOf(partitionKey);
                tails[replica].MaxSnapshot = Math.Max(tails[replica].MaxSnapshot, sequence);
            }
        }

        var pace = Stopwatch.StartNew();
        long rows = 0;
        await foreach (var page in source.ScanRowsAsync(ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var (partitionKey, sequence) in page)
            {
                TailsOf(partitionKey)[replica].AddRow(sequence);
            }

            rows += page.Count;
            await PaceAsync(pace, rows, options.MaxRowsScannedPerSecond, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="done"/> units at <paramref name="perSecond"/> would have taken as long as has passed.</summary>
    private static async Task PaceAsync(Stopwatch clock, long done, double perSecond, CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromSeconds(done / perSecond) - clock.Elapsed;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record SweepScope(DateTimeOffset StartedAt, HashSet<int> Healable);

    /// <summary>What one replica holds of one stream, from its row keys and snapshot names.</summary>
    private struct StreamTail
    {
        private long _rowsAboveSnapshot;

        public long MaxRow { get; private set; }

        public long MaxSnapshot { get; set; }

        public bool Genesis { get; private set; }

        public readonly long Tail => Math.Max(MaxRow, MaxSnapshot);

        public void AddRow(long sequence)
        {
            if (sequence == 0)
            {
                Genesis = true;
                return;
            }

            MaxRow = Math.Max(MaxRow, sequence);
            if (sequence > MaxSnapshot)
            {
                _rowsAboveSnapshot++;
            }
        }

        /// <summary>Lacks the newest entry or snapshot some replica has, has a hole above its snapshot, or lacks the genesis row.</summary>
        /// <remarks>Without a snapshot the rows must run from entry 1: a replica that lost its container (and so its snapshots)
        /// but kept its compacted rows shows a hole there.</remarks>
        public readonly bool IsBehind(long target) =>
            Tail < target
            || (MaxRow > MaxSnapshot && _rowsAboveSnapshot != MaxRow - MaxSnapshot)
            || (target > 0 && !Genesis);
    }
}
