using System.Diagnostics;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Backups;
using DeviceSync.Contracts.Operations;
using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Events;
using DeviceSync.Grains.Blobs;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Sync;
using DeviceSync.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Collections;

/// <summary>
/// One account's collection. Thin on purpose: <see cref="CollectionLedger"/> decides, the journal makes it
/// durable. The order of every request is plan (pure) → append to a write quorum → apply → answer, so a
/// device never hears "applied" for something that is not on W replicas.
/// </summary>
public sealed class CollectionGrain(
    IJournalStore journalStore,
    BackupConnection backups,
    IOptions<SyncPolicy> syncPolicy,
    IOptions<CollectionMoveOptions> moves,
    AccountEventsPublisher events,
    IGrainFactory grains,
    TimeProvider timeProvider,
    ILogger<CollectionGrain> logger) : Grain, ICollectionGrain, IGrainMigrationParticipant, IJournalOwnerGrain, IBlobReferenceSource
{
    /// <summary>Marks an activation that Orleans migrated here from a silo shutting down (nothing else is carried).</summary>
    private const string MovedKey = "devicesync.moved";

    /// <summary>How often one request rebuilds after losing a race with another activation before it gives up with a 503.</summary>
    private const int MaxFencedAttempts = 3;

    private JournalSession? _journal;
    private CollectionLedger? _ledger;

    // The head this activation last loaded or announced to the account's devices; null before its first load.
    private long? _knownHead;
    private string _accountId = "";
    private string _collection = "";
    private bool _notedOnAccount;

    /// <summary>When this activation last answered each device with a resync (the mass-delete guard's second rule). In
    /// memory only: after a move to another silo the window is forgotten, which errs towards applying.</summary>
    private readonly Dictionary<string, DateTimeOffset> _resyncedAt = new(StringComparer.Ordinal);

    private bool _movedHere;

    /// <summary>Gateways that may answer no-change syncs of this collection themselves until they are told otherwise.</summary>
    private readonly NoChangeLeases _leases = new(grains, timeProvider);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_accountId, _collection) = CollectionKey.Parse(this.GetPrimaryKeyString());
        _journal = new JournalSession(journalStore, JournalStreams.ForCollection(_accountId, _collection), logger);
        if (_movedHere)
        {
            // Migrated off a silo that is shutting down: load now, so the device's next request finds the grain ready.
            GrainTelemetry.MigrationsArrived.Add(1);
            try
            {
                await EnsureLoadedAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next request loads it (and reports the failure to the device); the move itself has succeeded.
                Log.EagerLoadFailed(logger, ex, _accountId, _collection);
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && moves.Value.MigrateOnShutdown)
        {
            this.MigrateOnIdle();
        }

        // The next activation, here or elsewhere, knows nothing of this one's leases: end them before it can commit.
        return _leases.RevokeAsync(_accountId, _collection);
    }

    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext) =>
        dehydrationContext.TryAddValue(MovedKey, true);

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext) =>
        _movedHere = rehydrationContext.TryGetValue<bool>(MovedKey, out var moved) && moved;

    public async Task<SyncCollectionResult> SyncAsync(SyncCollectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = GrainTelemetry.Source.StartActivity("collection.sync");
        activity?.SetTag("devicesync.collection", _collection);
        activity?.SetTag("devicesync.mutations", request.Mutations.Count);

        // The account grain that authenticated the device may know of a storage history loss this silo has not heard of
        // yet (its next probe): learning it here makes a state read before the loss reload first (ADR 0008).
        if (request.HistoryLossGeneration > 0)
        {
            journalStore.ObserveHistoryLoss(request.HistoryLossGeneration);
        }

        for (var attempt = 1; ; attempt++)
        {
            var ledger = await EnsureLoadedAsync();
            var now = timeProvider.GetUtcNow();
            var plan = ledger.Plan(request, now, RecentlyResynced(request.DeviceId, now));
            if (plan.Change is { } change)
            {
                try
                {
                    await CommitAsync(ledger, change, "sync");
                }
                catch (JournalFencedException ex)
                {
                    // Another activation wrote first; rebuild from storage and decide again. Mutation ids make this safe.
                    GrainTelemetry.FencedWrites.Add(1);
                    Log.Fenced(logger, _accountId, _collection);
                    if (attempt < MaxFencedAttempts)
                    {
                        continue;
                    }

                    // Still racing another activation: nothing was acknowledged, so the device may safely retry.
                    throw new StorageUnavailableException("The collection is moving between silos; retry.", ex);
                }
            }

            Observe(plan);
            if (plan.Resync is not null)
            {
                _resyncedAt[request.DeviceId] = now;
            }

            await NoteOnAccountAsync(plan);
            var result = ledger.Complete(plan, request);
            if (request.LeaseHolder is { } holder && syncPolicy.Value.NoChangeLease is var lease && lease > TimeSpan.Zero
                && IsNoChange(ledger, plan, request, result))
            {
                _leases.Grant(holder, lease);
                result = result with { LeaseMilliseconds = (int)lease.TotalMilliseconds };
            }

            return result;
        }
    }

    /// <summary>
    /// The answer a no-change lease may repeat: nothing sent, nothing written, nothing to tell, and the cursor is the head.
    /// Until the next commit (which revokes every lease first), the same request from the same device gets this answer.
    /// </summary>
    private static bool IsNoChange(CollectionLedger ledger, SyncPlan plan, SyncCollectionRequest request, SyncCollectionResult result) =>
        request.Mutations.Count == 0 && !request.ConfirmMassDelete && !request.DeviceReadmitted
        && plan.Change is null && plan.Resync is null && plan.Refused is null
        && request.Cursor is { } cursor && cursor == ledger.HeadVersion && result.Cursor == cursor
        && result.Changes.Count == 0 && !result.HasMore;

    public async Task<ConflictPage> GetConflictsAsync(long? afterSequence, int limit)
    {
        var ledger = await EnsureLoadedAsync();
        return ledger.ReadConflicts(afterSequence, Math.Clamp(limit, 1, SyncLimits.MaxConflictsPerPage));
    }

    public async Task<CollectionSummary> GetSummaryAsync() => (await EnsureLoadedAsync()).Summarize();

    public async Task<IReadOnlyList<string>> ListBlobReferencesAsync()
    {
        var references = new HashSet<string>(StringComparer.Ordinal);
        (await EnsureLoadedAsync()).CollectBlobReferences(references);
        return [.. references.Order(StringComparer.Ordinal)];
    }

    public async Task<JournalRepairResult> RepairJournalAsync()
    {
        var result = await journalStore.RepairAsync(_journal!.StreamKey);
        if (_ledger is null)
        {
            DeactivateOnIdle(); // activated only for the sweeper: do not keep it in memory
        }

        return result;
    }

    public async Task<CollectionRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to)
    {
        if (backups.Reader is not { } reader)
        {
            return new CollectionRestoreResult { Status = RestoreStatus.BackupsOff, Detail = "Backup:ConnectionString is not set on the silos." };
        }

        var streamKey = JournalStreams.ForCollection(_accountId, _collection);
        BackupImage? image;
        CollectionLedger restored;
        try
        {
            image = await reader.ReadAsync(streamKey, to);
            if (image is null)
            {
                return new CollectionRestoreResult
                {
                    Status = RestoreStatus.NotInBackup,
                    Summary = (await EnsureLoadedAsync()).Summarize(),
                    Detail = "The backup holds nothing of this collection at or before that point.",
                };
            }

            if (image.MissingFrom is { } missing)
            {
                return new CollectionRestoreResult
                {
                    Status = RestoreStatus.Damaged,
                    Sequence = image.Sequence,
                    CommittedAt = image.CommittedAt,
                    Generation = image.Generation,
                    Detail = $"The backup lacks entry {missing}; restore to a point before it (its predecessor was committed at {image.CommittedAt:O}).",
                };
            }

            restored = BackupReplay.Collection(image, _collection, syncPolicy.Value);
        }
        catch (InvalidDataException ex)
        {
            Log.RestoreDamaged(logger, ex, _accountId, _collection);
            return new CollectionRestoreResult { Status = RestoreStatus.Damaged, Detail = ex.Message };
        }

        // Read the live history afresh: after a loss (wiped replicas) the restore must follow what storage holds now, not
        // what this activation remembers; the open also lets the backup notice that the live history got shorter.
        _journal!.Close();
        for (var attempt = 1; ; attempt++)
        {
            var ledger = await EnsureLoadedAsync();
            var previous = ledger.Summarize();
            try
            {
                await CommitAsync(ledger, ledger.PlanRestore(restored), "restore");
            }
            catch (JournalFencedException ex)
            {
                GrainTelemetry.FencedWrites.Add(1);
                if (attempt < MaxFencedAttempts)
                {
                    continue;
                }

                throw new StorageUnavailableException("The collection is moving between silos; retry the restore.", ex);
            }

            await _journal!.SnapshotNowAsync(() => CollectionCodec.EncodeSnapshotAndSize(ledger));
            _resyncedAt.Clear();
            var summary = ledger.Summarize();
            Log.Restored(logger, _accountId, _collection, image.Sequence, image.Generation, previous.HeadVersion, summary.Epoch);
            return new CollectionRestoreResult
            {
                Status = RestoreStatus.Restored,
                Sequence = image.Sequence,
                CommittedAt = image.CommittedAt,
                Generation = image.Generation,
                Summary = summary,
            };
        }
    }

    private async Task CommitAsync(CollectionLedger ledger, CollectionChange change, string kind)
    {
        var started = Stopwatch.GetTimestamp();
        var headBefore = ledger.HeadVersion;

        // Leases end before the commit is acknowledged or announced, so no gateway answers "no changes" after it. The
        // revocation runs while the append does; it is awaited even if the append fails, whose entry may yet be read back.
        var revoking = _leases.RevokeAsync(_accountId, _collection);
        try
        {
            await _journal!.AppendAsync(CollectionCodec.EncodeChange(change));
        }
        finally
        {
            await revoking;
        }

        ledger.Apply(change);
        if (ledger.HeadVersion > headBefore)
        {
            // Durable and applied: tell the account's devices (PROTOCOL.md "Events"). Only enqueues; never slows the commit.
            events.CollectionChanged(_accountId, _collection, ledger.HeadVersion);
            _knownHead = ledger.HeadVersion;
        }

        GrainTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("kind", kind));
        GrainTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await _journal.SnapshotIfDueAsync(() => CollectionCodec.EncodeSnapshotAndSize(ledger));
    }

    private async Task<CollectionLedger> EnsureLoadedAsync()
    {
        if (_ledger is not null && _journal!.IsOpen)
        {
            return _ledger;
        }

        _ledger = null;

        // Rebuilding means this activation's view may be out of date (another activation wrote, or storage changed): the
        // leases it granted on that view end first.
        await _leases.RevokeAsync(_accountId, _collection);
        var started = Stopwatch.GetTimestamp();
        var stream = await _journal!.OpenAsync();
        var policy = syncPolicy.Value;
        var stateBytes = 0L;
        var ledger = stream.Snapshot is { } snapshot
            ? CollectionCodec.DecodeSnapshot(snapshot.Payload.Span, policy, out stateBytes)
            : new CollectionLedger(_collection, policy);
        _journal.StateBytes = stateBytes;   // the snapshot is gzip'd; its entries are not (JournalSession.StateBytes)
        foreach (var entry in stream.Entries)
        {
            ledger.Apply(CollectionCodec.DecodeChange(entry.Payload.Span));
        }

        GrainTelemetry.LoadDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Log.Loaded(logger, _accountId, _collection, ledger.ItemCount, stream.Entries.Count, ledger.HeadVersion);

        // A reload found versions this activation never announced: an append that failed here (503, in doubt) reached
        // storage after all. Its device is answered "duplicate" when it resends, and without this no event would ever
        // tell the other devices (found by the events harness under load: 13 of 500 writes announced only by the next).
        if (_knownHead is { } known && ledger.HeadVersion > known)
        {
            events.CollectionChanged(_accountId, _collection, ledger.HeadVersion);
        }

        _knownHead = ledger.HeadVersion;

        // Storage healed replicas from too few healthy ones since this collection last looked: entries it acknowledged
        // may be gone, and the next commit would reuse their versions. A new epoch first, so devices that saw more hand it back.
        if (stream.HistoryLossGeneration > ledger.HistoryLossGeneration)
        {
            var answer = ledger.PlanHistoryLossEpoch(stream.HistoryLossGeneration);
            await CommitAsync(ledger, answer, "history-loss");
            GrainTelemetry.HistoryLossEpochs.Add(1);
            Log.HistoryLossEpoch(logger, _accountId, _collection, stream.HistoryLossGeneration, ledger.CurrentEpoch, answer.NewEpoch?.CutVersion ?? ledger.HeadVersion);
        }

        // Retention (tombstones, conflict archive) is enforced through the journal so every replica agrees.
        // One maintenance change purges a bounded amount, so journal entries stay small.
        while (ledger.PlanMaintenance(timeProvider.GetUtcNow()) is { } maintenance)
        {
            await CommitAsync(ledger, maintenance, "maintenance");
        }

        _ledger = ledger;
        return ledger;
    }

    private bool RecentlyResynced(string deviceId, DateTimeOffset now) =>
        _resyncedAt.TryGetValue(deviceId, out var at) && now - at < syncPolicy.Value.DeleteAfterResyncWindow;

    private void Observe(SyncPlan plan)
    {
        if (plan.Refused is { } refused)
        {
            // Held back, not lost: the device still has its mutations and must confirm. People should know it happens.
            GrainTelemetry.MassDeletesHeld.Add(1, new KeyValuePair<string, object?>("reason", refused.Reason));
            Log.MassDeleteHeld(logger, _accountId, _collection, refused.Reason, refused.Deletes, refused.LiveItems);
        }

        foreach (var result in plan.Results)
        {
            GrainTelemetry.MutationResults.Add(1, new KeyValuePair<string, object?>("status", result.Status.ToString()));
            if (result.Status == MutationStatus.Conflict)
            {
                GrainTelemetry.Conflicts.Add(1);
            }
        }

        if (plan.Resync is { } resync)
        {
            GrainTelemetry.Resyncs.Add(1, new KeyValuePair<string, object?>("reason", resync.Reason.ToString()));
            if (resync.Reason == ResyncReason.ServerBehind)
            {
                // The server knew less than a device: it lost history. The device hands it back, but people must know.
                GrainTelemetry.ServerBehindAlerts.Add(1);
                Log.ServerBehind(logger, _accountId, _collection, resync.SafeVersion, _ledger?.CurrentEpoch ?? 0);
            }
        }
    }

    /// <summary>Tells the account this collection exists once per activation, so account-wide listings find it.</summary>
    private async Task NoteOnAccountAsync(SyncPlan plan)
    {
        if (_notedOnAccount || plan.Change is null)
        {
            return;
        }

        await GrainFactory.GetGrain<IAccountGrain>(_accountId).NoteCollectionAsync(_collection);
        _notedOnAccount = true;
    }
}
