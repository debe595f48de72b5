using DeviceSync.Contracts;
using DeviceSync.Contracts.Backups;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Collections;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// The blobs one account holds, in the same replicated journal as the rest of its state (stream <c>blobs/{account}</c>),
/// so the index is exactly as durable as the items that refer to it, is backed up with them, and is repaired by the sweeper.
/// It also collects the account's unreferenced blobs (ADR 0009): being the one writer of the index, and not reentrant, it
/// orders every collection against every upload's begin and record, which is what fences a deletion against an upload.
/// </summary>
public sealed class BlobIndexGrain(
    IJournalStore journalStore,
    BlobBytesOnReplicas bytes,
    BackupConnection backups,
    IOptions<BlobGcOptions> gcOptions,
    TimeProvider timeProvider,
    ILogger<BlobIndexGrain> logger)
    : Grain, IBlobIndexGrain, IJournalOwnerGrain
{
    /// <summary>Hashes whose upload began in this activation and has not been recorded: a scan does not collect them (a
    /// courtesy that spares the device a refused upload; the ticket is the fence). Cleared by each scan.</summary>
    private readonly HashSet<string> _uploading = new(StringComparer.Ordinal);
    private JournalSession? _journal;
    private BlobIndexLedger? _ledger;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new JournalSession(journalStore, JournalStreams.ForBlobIndex(this.GetPrimaryKeyString()), logger);
        return Task.CompletedTask;
    }

    public async Task<BlobRecord?> FindAsync(string sha256)
    {
        var ledger = await EnsureLoadedAsync();
        return ledger.Find(sha256) is { } entry ? ToRecord(entry, ledger) : null;
    }

    public async Task<bool> AddAsync(BlobRecord blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var ledger = await EnsureLoadedAsync();
        if (ledger.Find(blob.Sha256) is not null)
        {
            await UnmarkIfMarkedAsync(ledger, blob.Sha256);
            return false;
        }

        await AppendAsync(ledger, AddChange(blob));
        return true;
    }

    public async Task<long> BeginUploadAsync(string sha256)
    {
        var ledger = await EnsureLoadedAsync();
        _uploading.Add(sha256);
        if (ledger.FindTombstone(sha256) is { Deleting: true })
        {
            // The upload's commit may find bytes this deletion has not reached yet and count them: stop deleting first.
            await AppendAsync(ledger, BlobIndexLedger.Stamp(new BlobIndexChange { At = timeProvider.GetUtcNow(), Cancelled = [sha256] }));
        }

        return ledger.Counter;
    }

    public async Task<BlobUploadOutcome> RecordUploadAsync(BlobRecord blob, long ticket)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var ledger = await EnsureLoadedAsync();
        _uploading.Remove(blob.Sha256);
        if (ledger.Find(blob.Sha256) is not null)
        {
            // Uploaded again: the record protects the bytes, and its grace period starts over.
            await UnmarkIfMarkedAsync(ledger, blob.Sha256);
            return BlobUploadOutcome.Existing;
        }

        if (!ledger.AcceptsUpload(blob.Sha256, ticket))
        {
            BlobGcTelemetry.UploadsRefused.Add(1);
            Log.UploadCollectedWhileRunning(logger, this.GetPrimaryKeyString(), blob.Sha256);
            return BlobUploadOutcome.CollectedWhileUploading;
        }

        await AppendAsync(ledger, AddChange(blob));
        return BlobUploadOutcome.Created;
    }

    public async Task<BlobCollectionReport> CollectGarbageAsync()
    {
        var options = gcOptions.Value;
        var wasLoaded = _ledger is not null;
        var accountId = this.GetPrimaryKeyString();
        if (!options.Enabled)
        {
            return new BlobCollectionReport { Enabled = false, Blobs = (await EnsureLoadedAsync()).Count };
        }

        // References first, the index after: a blob uploaded meanwhile is at most marked, never collected by this pass.
        var (referenced, _) = await ReadReferencesAsync(accountId);
        var ledger = await EnsureLoadedAsync();
        var blobs = ledger.Count;
        var scan = ledger.PlanScan(referenced, timeProvider.GetUtcNow(), options.GracePeriod, _uploading);
        _uploading.Clear();
        if (scan is not null)
        {
            // Durable before any byte is deleted: from here an upload that began earlier is refused, and a reload keeps deleting.
            await AppendAsync(ledger, scan);
        }

        var deleted = new List<string>();
        foreach (var pending in ledger.PendingDeletes.ToList())
        {
            if (await bytes.DeleteAsync(accountId, pending.Sha256, CancellationToken.None))
            {
                deleted.Add(pending.Sha256);
            }
        }

        if (deleted.Count > 0)
        {
            await AppendAsync(ledger, BlobIndexLedger.Stamp(new BlobIndexChange { At = timeProvider.GetUtcNow(), Deleted = deleted }));
        }

        if (ledger.PlanPrune(timeProvider.GetUtcNow(), options.GracePeriod) is { } prune)
        {
            await AppendAsync(ledger, prune);
        }

        var collected = scan?.Collected ?? [];
        var report = new BlobCollectionReport
        {
            Enabled = true,
            Blobs = blobs,
            Marked = scan?.Marked?.Count ?? 0,
            AwaitingGrace = ledger.Marks.Count,
            Collected = collected.Count,
            CollectedBytes = collected.Sum(t => t.Length),
            PendingDeletes = ledger.PendingDeletes.Count(),
            BytesDeleted = deleted.Count,
        };
        BlobGcTelemetry.Scans.Add(1);
        BlobGcTelemetry.Collected.Add(report.Collected);
        BlobGcTelemetry.CollectedBytes.Add(report.CollectedBytes);
        BlobGcTelemetry.Record(accountId, report.AwaitingGrace, report.PendingDeletes);
        if (report.Collected > 0 || report.PendingDeletes > 0)
        {
            Log.Collected(logger, accountId, report.Collected, report.CollectedBytes, report.AwaitingGrace, report.PendingDeletes);
        }

        if (!wasLoaded)
        {
            DeactivateOnIdle(); // activated only for the pass: do not keep it in memory
        }

        return report;
    }

    public async Task<BlobIndexRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to)
    {
        if (backups.Reader is not { } reader)
        {
            return new BlobIndexRestoreResult { Status = RestoreStatus.BackupsOff, Detail = "Backup:ConnectionString is not set on the silos." };
        }

        BlobIndexLedger? backup;
        try
        {
            backup = await reader.ReadAsync(_journal!.StreamKey, to) is { } image ? Replay(image) : null;
        }
        catch (InvalidDataException ex)
        {
            return new BlobIndexRestoreResult { Status = RestoreStatus.Damaged, Detail = ex.Message };
        }

        var ledger = await EnsureLoadedAsync();
        var missing = backup?.Blobs.Where(b => ledger.Find(b.Sha256) is null).OrderBy(b => b.Sha256, StringComparer.Ordinal).ToList() ?? [];
        if (missing.Count > 0)
        {
            // An add, like an upload's: it also ends a tombstone (and any deletion still pending) of the hash.
            await AppendAsync(ledger, new BlobIndexChange { Added = missing });
        }

        return new BlobIndexRestoreResult
        {
            Status = backup is null ? RestoreStatus.NotInBackup : RestoreStatus.Restored,
            Added = missing.Count,
            Blobs = [.. ledger.Blobs.Select(b => b.Sha256).Order(StringComparer.Ordinal)],
        };
    }

    public async Task<BlobReferenceReport> FindUnreferencedAsync()
    {
        var accountId = this.GetPrimaryKeyString();
        var (referenced, collections) = await ReadReferencesAsync(accountId);

        // Read after the collections: a blob uploaded meanwhile shows as unreferenced, never the other way round.
        var ledger = await EnsureLoadedAsync();
        return new BlobReferenceReport
        {
            Blobs = ledger.Count,
            Referenced = ledger.Blobs.Count(b => referenced.Contains(b.Sha256)),
            Unreferenced = [.. ledger.Blobs.Where(b => !referenced.Contains(b.Sha256)).OrderBy(b => b.UploadedAt).Select(b => ToRecord(b, ledger))],
            CollectionsScanned = collections,
            Missing = [.. referenced.Where(h => ledger.Find(h) is null).Order(StringComparer.Ordinal)],
            AwaitingGrace = ledger.Marks.Count,
            PendingDeletes = ledger.PendingDeletes.Count(),
            CollectedTotal = ledger.Counter,
        };
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

    /// <summary>The hashes the account's items refer to, over every collection the account lists (live items and the
    /// conflict archive, ADR 0009), and how many collections were read.</summary>
    private async Task<(HashSet<string> Referenced, int Collections)> ReadReferencesAsync(string accountId)
    {
        var collections = await GrainFactory.GetGrain<IAccountGrain>(accountId).ListCollectionsAsync();
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            var source = GrainFactory.GetGrain<IBlobReferenceSource>(CollectionKey.Format(accountId, collection), typeof(CollectionGrain).FullName);
            referenced.UnionWith(await source.ListBlobReferencesAsync());
        }

        return (referenced, collections.Count);
    }

    private BlobIndexChange AddChange(BlobRecord blob) => new()
    {
        Added =
        [
            new BlobIndexEntry
            {
                Sha256 = blob.Sha256,
                ContentType = blob.ContentType,
                Length = blob.Length,
                UploadedAt = blob.UploadedAt == default ? timeProvider.GetUtcNow() : blob.UploadedAt,
            },
        ],
    };

    private async Task UnmarkIfMarkedAsync(BlobIndexLedger ledger, string sha256)
    {
        if (ledger.Marks.ContainsKey(sha256))
        {
            await AppendAsync(ledger, BlobIndexLedger.Stamp(new BlobIndexChange { At = timeProvider.GetUtcNow(), Unmarked = [sha256] }));
        }
    }

    private async Task AppendAsync(BlobIndexLedger ledger, BlobIndexChange change)
    {
        try
        {
            await _journal!.AppendAsync(BlobIndexLedger.EncodeChange(change));
        }
        catch (JournalFencedException ex)
        {
            // Another activation wrote first; nothing of ours was acknowledged and the next call reloads. A 503 to the device.
            throw new StorageUnavailableException("The account's blob index is moving between silos; retry.", ex);
        }

        ledger.Apply(change);
        GrainTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("kind", "blobs"));
        await _journal.SnapshotIfDueAsync(ledger.EncodeSnapshot);
    }

    private static BlobRecord ToRecord(BlobIndexEntry entry, BlobIndexLedger ledger) => new()
    {
        Sha256 = entry.Sha256,
        ContentType = entry.ContentType,
        Length = entry.Length,
        UploadedAt = entry.UploadedAt,
        UnreferencedSince = ledger.Marks.TryGetValue(entry.Sha256, out var since) ? since : null,
    };

    private static BlobIndexLedger Replay(BackupImage image)
    {
        var ledger = image.SnapshotState is { } state ? BlobIndexLedger.DecodeSnapshot(state.Span) : new BlobIndexLedger();
        foreach (var entry in image.Entries)
        {
            ledger.Apply(BlobIndexLedger.DecodeChange(entry.Payload.Span));
        }

        return ledger;
    }

    private async Task<BlobIndexLedger> EnsureLoadedAsync()
    {
        if (_ledger is not null && _journal!.IsOpen)
        {
            return _ledger;
        }

        _ledger = null;
        var stream = await _journal!.OpenAsync();
        var ledger = stream.Snapshot is { } snapshot ? BlobIndexLedger.DecodeSnapshot(snapshot.Payload.Span) : new BlobIndexLedger();
        foreach (var entry in stream.Entries)
        {
            ledger.Apply(BlobIndexLedger.DecodeChange(entry.Payload.Span));
        }

        _ledger = ledger;
        return ledger;
    }
}
