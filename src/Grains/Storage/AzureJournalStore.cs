using System.Security.Cryptography;
using Azure.Core.Pipeline;
using DeviceSync.Contracts.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// The replicated journal on N independent Azure Storage accounts (Azure Table rows, blobs for snapshots and
/// large payloads). Tables and containers are created lazily, once per replica.
/// </summary>
public sealed class AzureJournalStore : IJournalStore
{
    public AzureJournalStore(IOptions<ReplicationOptions> options, ILogger<AzureJournalStore> logger)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)), logger, extraPolicy: null)
    {
    }

    /// <param name="observers">Told about every acknowledged append, snapshot and open (the backup copier).</param>
    public AzureJournalStore(IOptions<ReplicationOptions> options, ILogger<AzureJournalStore> logger, IEnumerable<IJournalObserver> observers)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)), logger, extraPolicy: null)
    {
        Observer = JournalObservers.Combine(observers, logger);
    }

    /// <param name="extraPolicy">Added to every replica's HTTP pipeline (tests measure requests with it).</param>
    internal AzureJournalStore(ReplicationOptions options, ILogger logger, HttpPipelinePolicy? extraPolicy)
    {
        var validation = new ReplicationOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(ReplicationOptions.SectionName, typeof(ReplicationOptions), validation.Failures);
        }

        Options = options;
        Logger = logger;
        _opens = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentOpens));
        Replicas = options.Replicas
            .Select((connectionString, index) => new JournalReplica(
                index, connectionString, options.TablePrefix, options.ReplicaTimeout, new ReplicaHealth(index, TimeProvider.System), extraPolicy, LossClock, JournalLayout.For(options), options.HandWrittenTransactions,
                options.MaxConnectionsPerReplica))
            .ToArray();
        StorageTelemetry.Track(this);
    }

    /// <summary>
    /// At silo start: every replica that answers has its layout read (or recorded, if it has none yet) and its table
    /// created. A replica whose layout cannot be told throws <see cref="JournalLayoutMismatchException"/>, which stops
    /// the silo rather than let it read an empty table. Unreachable replicas are resolved by their first request instead.
    /// </summary>
    public async Task CheckLayoutAsync()
    {
        var checks = Replicas.Select(r => Task.Run(r.EnsureLayoutAsync)).ToArray();
        try
        {
            await Task.WhenAll(checks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Looked at below: a mismatch on any replica refuses, whichever failure came first. Unreachable or slow
            // replicas are not a reason to refuse to start (the quorums decide what works).
        }

        if (checks.Select(c => c.Exception?.InnerException).OfType<JournalLayoutMismatchException>().FirstOrDefault() is { } mismatch)
        {
            throw mismatch;
        }
    }

    /// <summary>The least time the replicas beyond a read quorum get to answer an open (<see cref="ReadQuorumAsync"/>).</summary>
    private static readonly TimeSpan StragglerGraceMinimum = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _opens;
    private readonly Lock _gate = new();
    private Task? _bootstrap;

    /// <summary>The cluster's history-loss generation as this silo knows it (see <see cref="HistoryLossClock"/>).</summary>
    public long HistoryLossGeneration => LossClock.Current;

    internal HistoryLossClock LossClock { get; } = new();

    public void ObserveHistoryLoss(long generation) => LossClock.Observe(generation);

    /// <summary>This silo's view of each replica (index = replica).</summary>
    public IReadOnlyList<ReplicaHealth> Health => Replicas.Select(r => r.Health).ToArray();

    /// <summary>The last sweep this silo ran (null: none). Set by <see cref="ReplicaSweeper"/>.</summary>
    public SweepProgress? LastSweep { get; internal set; }

    internal ReplicationOptions Options { get; }

    internal ILogger Logger { get; }

    internal IReadOnlyList<JournalReplica> Replicas { get; }

    /// <summary>Null when nobody observes (no backup configured): the write path then pays nothing for the hook.</summary>
    internal JournalObservers? Observer { get; init; }

    public async Task<JournalStream> OpenAsync(string streamKey, CancellationToken cancellationToken = default)
    {
        await _opens.WaitAsync(cancellationToken).ConfigureAwait(true);
        try
        {
            return await OpenNowAsync(streamKey, cancellationToken).ConfigureAwait(true);
        }
        finally
        {
            _opens.Release();
        }
    }

    /// <summary>
    /// A handle on a stream the caller believes was never written (an account being created; the restore drill's scratch
    /// streams), without reading the replicas first. Nothing is assumed that a write does not check: the first append is
    /// the same conditional insert of the genesis row and entry 1 as after an open, and is fenced
    /// (<see cref="JournalFencedException"/>) if any replica that counts holds the stream. Every stream a write quorum
    /// acknowledged is on at least one counted replica (the others lag, or lost their data and do not count until
    /// healed), so an acknowledged entry 1 proves the stream was new. A fence means it was not: open it.
    /// </summary>
    public async Task<JournalStream> OpenNewAsync(string streamKey, CancellationToken cancellationToken = default)
    {
        await EnsureBootstrappedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return new JournalStream(this, streamKey, StreamKeyEncoding.Encode(streamKey), null, [], Guid.Empty, JournalChain.Empty, [])
        {
            // Nothing was read, so nothing read can predate a loss: the handle is as current as the store.
            HistoryLossGeneration = HistoryLossGeneration,
            AssumedNew = true,
        };
    }

    private async Task<JournalStream> OpenNowAsync(string streamKey, CancellationToken cancellationToken)
    {
        using var activity = StorageTelemetry.Source.StartActivity("journal.open");
        activity?.SetTag("stream", streamKey);
        var read = await ReadAndRepairAsync(streamKey, activity, waitForEveryReplica: false, cancellationToken).ConfigureAwait(true);
        var (history, payloads) = (read.History, read.Payloads);
        var records = history.Entries.Select((e, i) => new JournalRecord(e.Entry.Sequence, payloads[i])).ToArray();
        var last = history.Entries.Count > 0 ? history.Entries[^1].Entry : null;
        var lastEntryId = last?.EntryId ?? history.Snapshot?.Info.LastEntryId ?? Guid.Empty;
        var lastChain = last?.Chain ?? history.Snapshot?.Info.Chain ?? JournalChain.Empty;
        activity?.SetTag(StorageTelemetry.SequenceTag, history.LastSequence);
        var recent = history.Entries.Select((e, i) => (e.Entry, payloads[i]));
        Observer?.Opened(streamKey, history, read.Snapshot, payloads);
        return new JournalStream(this, streamKey, StreamKeyEncoding.Encode(streamKey), read.Snapshot, records, lastEntryId, lastChain, recent)
        {
            // Read after every answering replica's marker: at least the generation of any heal this open's data came from.
            HistoryLossGeneration = read.LossGeneration,
        };
    }

    /// <summary>
    /// Reads one stream from a read quorum and repairs every replica that answered, without opening it for writing:
    /// what the sweeper asks of a stream's owner (the grain, so no other writer races it). Which replicas now hold
    /// the whole history is in the result. The observers hear of the read as of an open.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Fewer than R healthy replicas answered.</exception>
    public async Task<JournalRepairResult> RepairAsync(string streamKey, CancellationToken cancellationToken = default)
    {
        await _opens.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var activity = StorageTelemetry.Source.StartActivity("journal.repair");
            activity?.SetTag("stream", streamKey);
            // Every replica's answer, however slow: the sweeper heals a replica only once a repair found it complete.
            var read = await ReadAndRepairAsync(streamKey, activity, waitForEveryReplica: true, cancellationToken).ConfigureAwait(false);

            // The owner's read is as good as an open for the observers: the backup copier reconciles the stream against it
            // (what the background backup catch-up relies on for streams that are never opened again).
            Observer?.Opened(streamKey, read.History, read.Snapshot, read.Payloads);
            return new JournalRepairResult
            {
                LastSequence = read.History.LastSequence,
                CompleteReplicas = read.Repairs.Where(r => r.Complete).Select(r => r.Replica).Order().ToArray(),
                Written = read.Repairs.Sum(r => r.Written),
            };
        }
        finally
        {
            _opens.Release();
        }
    }

    /// <param name="waitForEveryReplica">False for opens: once R healthy replicas have answered, the others get only a short
    /// grace (<see cref="ReadQuorumAsync"/>), so a hung replica does not hold every open for the whole replica timeout.</param>
    private async Task<StreamRead> ReadAndRepairAsync(string streamKey, System.Diagnostics.Activity? activity, bool waitForEveryReplica, CancellationToken cancellationToken)
    {
        var partitionKey = StreamKeyEncoding.Encode(streamKey);
        await EnsureBootstrappedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var reads = Replicas.Select(r => Task.Run(() => ReadReplicaAsync(r, streamKey, partitionKey), CancellationToken.None)).ToArray();
        var answers = waitForEveryReplica
            ? (await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false)).OfType<ReplicaAnswer>().ToList()
            : await ReadQuorumAsync(reads, cancellationToken).ConfigureAwait(false);

        // Only replicas that still hold everything they acknowledged make the quorum. A wiped replica answers "nothing"
        // as confidently as a new stream; counting it could hide an entry only the other (unread) replica holds.
        // Its answer is still used: what it does hold is real, and it is repaired along with the others. When every
        // replica answered there is no unread replica to hide anything, so the union is as complete as storage is.
        var counted = answers.Count(a => a.Counted);
        if (counted < Options.ReadQuorum && answers.Count < Replicas.Count)
        {
            Log.OpenUnavailable(Logger, streamKey, counted, Options.ReadQuorum);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "unavailable");
            throw new StorageUnavailableException(
                $"Stream '{streamKey}': {counted} healthy storage replicas answered ({answers.Count} in all), {Options.ReadQuorum} needed to read.");
        }

        var views = answers.Select(a => a.View).ToList();
        var history = JournalHistoryResolver.Resolve(views, answers.Where(a => a.Counted).Select(a => a.View.Replica).ToHashSet());
        foreach (var sequence in history.ChainBreaks)
        {
            Log.ChainBreak(Logger, streamKey, sequence);
        }

        if (history.FirstIgnoredSequence > 0)
        {
            Log.GapIgnored(Logger, streamKey, history.LastSequence, history.FirstIgnoredSequence);
        }

        var lossGeneration = LossClock.Current; // every answering replica's marker has been read (and observed) by now
        var (snapshot, snapshotState) = await LoadSnapshotAsync(streamKey, history).ConfigureAwait(false);
        var payloads = await Task.Run(() => LoadPayloadsAsync(streamKey, history), CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        var repairs = await ReplicaRepairer.RepairAsync(this, streamKey, partitionKey, views, history, snapshotState, payloads).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new StreamRead(history, snapshot, payloads, repairs, lossGeneration);
    }

    /// <summary>
    /// Reads the replicas' identity markers and updates this silo's view of them (the health probe, every few seconds,
    /// and each sweep). Recognises the cluster's first start on the way.
    /// </summary>
    public async Task ProbeAsync()
    {
        await EnsureBootstrappedAsync().ConfigureAwait(false);
        await Task.WhenAll(Replicas.Select(r => Task.Run(() => TryReadMarkerAsync(r)))).ConfigureAwait(false);
    }

    /// <summary>
    /// The first start is recognised once per store: if any replica carries a marker the cluster was initialised, and a
    /// replica without one has lost it. If none does, the cluster is new, or was written by a build before markers:
    /// replicas holding data are marked healthy, empty ones unhealed when another holds data (wiped or replaced), all
    /// healthy when none does. That needs a read quorum to answer; an unreachable replica stays unmarked, so it comes
    /// back unhealed and is swept (if it held what the others lack, which takes two replicas lost, the sweep finds it).
    /// </summary>
    private async Task EnsureBootstrappedAsync()
    {
        Task bootstrap;
        lock (_gate)
        {
            bootstrap = _bootstrap ??= BootstrapAsync();
        }

        try
        {
            await bootstrap.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_bootstrap, bootstrap))
                {
                    _bootstrap = null; // try again on the next open or probe
                }
            }

            if (ex is StorageUnavailableException)
            {
                throw;
            }

            throw new StorageUnavailableException("Storage replicas could not be checked at first start; retry.", ex);
        }
    }

    private async Task BootstrapAsync()
    {
        var markers = await Task.WhenAll(Replicas.Select(r => Task.Run(() => TryReadMarkerAsync(r)))).ConfigureAwait(false);
        if (markers.Any(m => m is { RowPresent: true }))
        {
            if (markers.All(m => m is { RowPresent: true }) || markers.Any(m => m is null))
            {
                return;
            }

            // Some replicas lack a marker. Usually they lost it; but while another silo initialises a new cluster, its
            // markers appear one replica at a time. If no replica holds any data, nothing acknowledged exists that a
            // replica could have lost: mark the missing ones healthy (insert only: never over an "unhealed").
            var anyHeld = await Task.WhenAll(Replicas.Select(TryHoldsAnyDataAsync)).ConfigureAwait(false);
            if (anyHeld.All(d => d == false))
            {
                for (var i = 0; i < Replicas.Count; i++)
                {
                    if (!markers[i]!.RowPresent)
                    {
                        try
                        {
                            await Replicas[i].MarkHealthyAsync(ifMatch: null).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            // Lost meanwhile: it comes back without a marker, so unhealed, and is swept (it held nothing).
                            Log.MarkerReadFailed(Logger, ex, Replicas[i].Index);
                            continue;
                        }

                        await TryReadMarkerAsync(Replicas[i]).ConfigureAwait(false);
                    }
                }
            }

            return;
        }

        var holdsData = await Task.WhenAll(Replicas.Select((r, i) => markers[i] is null ? Task.FromResult<bool?>(null) : TryHoldsAnyDataAsync(r))).ConfigureAwait(false);
        var answered = holdsData.Count(d => d is not null);
        if (answered < Options.ReadQuorum)
        {
            throw new StorageUnavailableException(
                $"First start: {answered} of {Replicas.Count} storage replicas answered, {Options.ReadQuorum} needed to tell a new cluster from a damaged one.");
        }

        var anyData = holdsData.Any(d => d == true);
        var marked = 0;
        for (var i = 0; i < Replicas.Count; i++)
        {
            if (holdsData[i] is not { } holds)
            {
                continue; // unreachable: without a marker when it comes back, so unhealed, and swept (what it holds is used)
            }

            try
            {
                if (holds || !anyData)
                {
                    await Replicas[i].MarkHealthyAsync(ifMatch: null).ConfigureAwait(false);
                }
                else
                {
                    await Replicas[i].MarkUnhealedAsync("empty while other replicas hold data (wiped or replaced)").ConfigureAwait(false);
                }

                marked++;
            }
            catch (Exception ex)
            {
                // Lost between answering and being marked: the same as unreachable, it comes back without a marker.
                Log.MarkerReadFailed(Logger, ex, Replicas[i].Index);
                holdsData[i] = null;
            }
        }

        if (marked < Options.ReadQuorum)
        {
            throw new StorageUnavailableException(
                $"First start: {marked} of {Replicas.Count} storage replicas could be marked, {Options.ReadQuorum} needed.");
        }

        var withData = holdsData.Count(d => d == true);
        Log.Bootstrapped(Logger, withData, answered);
        await Task.WhenAll(Replicas.Where((_, i) => holdsData[i] is not null).Select(TryReadMarkerAsync)).ConfigureAwait(false);
    }

    private async Task<bool?> TryHoldsAnyDataAsync(JournalReplica replica)
    {
        try
        {
            return await replica.HoldsAnyDataAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.MarkerReadFailed(Logger, ex, replica.Index);
            return null;
        }
    }

    /// <summary>
    /// Waits for every replica's answer, except that once R healthy replicas have answered the rest get only as long again
    /// as that took, twice over (at least <see cref="StragglerGraceMinimum"/>), and are then left out as a failed replica
    /// would be. Any R healthy replicas include one that holds each acknowledged entry, so nothing acknowledged is missed;
    /// a replica left out is not repaired by this open (appends and the sweeper catch it up). Without this a hung replica
    /// (stopped, not refusing) held every open, so every grain activation, for the whole replica timeout.
    /// </summary>
    private async Task<List<ReplicaAnswer>> ReadQuorumAsync(Task<ReplicaAnswer?>[] reads, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var pending = new List<Task>(reads);
        var counted = 0;
        Task? graceOver = null;
        while (pending.Count > (graceOver is null ? 0 : 1))
        {
            var next = await Task.WhenAny(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (next == graceOver)
            {
                break;
            }

            pending.Remove(next);
            if (next is Task<ReplicaAnswer?> { IsCompletedSuccessfully: true, Result.Counted: true } && ++counted == Options.ReadQuorum && pending.Count > 0)
            {
                var grace = System.Diagnostics.Stopwatch.GetElapsedTime(started) * 2;
                graceOver = Task.Delay(grace > StragglerGraceMinimum ? grace : StragglerGraceMinimum, cancellationToken);
                pending.Add(graceOver);
            }
        }

        // Answers that arrived meanwhile are used too: more replicas read is more repaired.
        return reads.Where(r => r.IsCompletedSuccessfully).Select(r => r.Result).OfType<ReplicaAnswer>().ToList();
    }

    /// <summary>The replica's marker, also noted in its health; null if it did not answer.</summary>
    private async Task<ReplicaMarker?> TryReadMarkerAsync(JournalReplica replica)
    {
        try
        {
            var marker = await replica.ReadMarkerAsync().ConfigureAwait(false);
            if (marker.RowState == ReplicaState.Healthy && !marker.BlobPresent)
            {
                // The row survived but the container did not (its snapshots and large payloads are gone).
                await replica.MarkUnhealedAsync("marker blob missing: the blob container was lost").ConfigureAwait(false);
                marker = marker with { RowState = ReplicaState.Unhealed, Reason = "marker blob missing: the blob container was lost" };
            }

            replica.Health.Observe(marker);
            return marker;
        }
        catch (Exception ex)
        {
            Log.MarkerReadFailed(Logger, ex, replica.Index);
            return null;
        }
    }

    private async Task<ReplicaAnswer?> ReadReplicaAsync(JournalReplica replica, string streamKey, string partitionKey)
    {
        using var activity = StorageTelemetry.Source.StartActivity("journal.open.replica");
        activity?.SetTag(StorageTelemetry.ReplicaTag, replica.Index);
        try
        {
            var view = await replica.ReadAsync(partitionKey).ConfigureAwait(false);

            // The marker is read after the data: if it is intact now, the data was not wiped before we read it (a wipe
            // takes the marker with it, and only a completed heal writes it again).
            var marker = await TryReadMarkerAsync(replica).ConfigureAwait(false);
            var counted = marker?.State == ReplicaState.Healthy;
            activity?.SetTag(StorageTelemetry.OutcomeTag, counted ? "answered" : "answered-unhealed");
            return new ReplicaAnswer(view, counted);
        }
        catch (Exception ex)
        {
            StorageTelemetry.ReplicaFailures.Add(
                1,
                new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index),
                new KeyValuePair<string, object?>(StorageTelemetry.OperationTag, "read"));
            Log.ReplicaReadFailed(Logger, ex, replica.Index, streamKey);
            activity?.SetTag(StorageTelemetry.OutcomeTag, "failed");
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
            return null;
        }
    }

    private sealed record ReplicaAnswer(ReplicaView View, bool Counted);

    private sealed record StreamRead(ResolvedHistory History, JournalSnapshot? Snapshot, byte[][] Payloads, IReadOnlyList<ReplicaRepairOutcome> Repairs, long LossGeneration);

    private async Task<(JournalSnapshot? Snapshot, byte[]? State)> LoadSnapshotAsync(string streamKey, ResolvedHistory history)
    {
        if (history.Snapshot is not { } snapshot)
        {
            return (null, null);
        }

        var state = await DownloadFromAnyAsync(streamKey, snapshot.Holders, snapshot.Info.BlobName, snapshot.Info.Sequence, expectedHash: null).ConfigureAwait(true)
            ?? throw new StorageUnavailableException($"Stream '{streamKey}': no replica could serve snapshot {snapshot.Info.Sequence}.");
        return (new JournalSnapshot(snapshot.Info.Sequence, state), state);
    }

    private async Task<byte[][]> LoadPayloadsAsync(string streamKey, ResolvedHistory history)
    {
        var payloads = new byte[history.Entries.Count][];
        for (var i = 0; i < payloads.Length; i++)
        {
            var (entry, holders) = (history.Entries[i].Entry, history.Entries[i].Holders);
            payloads[i] = entry.BlobName is null
                ? entry.InlinePayload.ToArray()
                : await DownloadFromAnyAsync(streamKey, holders, entry.BlobName, entry.Sequence, entry.PayloadHash).ConfigureAwait(false)
                  ?? throw new StorageUnavailableException($"Stream '{streamKey}': no replica could serve the payload of entry {entry.Sequence}.");
        }

        return payloads;
    }

    private async Task<byte[]?> DownloadFromAnyAsync(string streamKey, IReadOnlyList<int> holders, string blobName, long sequence, byte[]? expectedHash)
    {
        foreach (var holder in holders)
        {
            try
            {
                var content = await Replicas[holder].DownloadAsync(blobName).ConfigureAwait(false);
                if (expectedHash is null || SHA256.HashData(content).AsSpan().SequenceEqual(expectedHash))
                {
                    return content;
                }

                Log.BlobReadFailed(Logger, null, holder, streamKey, sequence);
            }
            catch (Exception ex)
            {
                Log.BlobReadFailed(Logger, ex, holder, streamKey, sequence);
            }
        }

        return null;
    }
}
