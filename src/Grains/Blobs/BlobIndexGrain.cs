using DeviceSync.Contracts;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Collections;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// The blobs one account holds, in the same replicated journal as the rest of its state (stream <c>blobs/{account}</c>),
/// so the index is exactly as durable as the items that refer to it, is backed up with them, and is repaired by the sweeper.
/// </summary>
public sealed class BlobIndexGrain(IJournalStore journalStore, TimeProvider timeProvider, ILogger<BlobIndexGrain> logger)
    : Grain, IBlobIndexGrain, IJournalOwnerGrain
{
    private JournalSession? _journal;
    private BlobIndexLedger? _ledger;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new JournalSession(journalStore, JournalStreams.ForBlobIndex(this.GetPrimaryKeyString()), logger);
        return Task.CompletedTask;
    }

    public async Task<BlobRecord?> FindAsync(string sha256) =>
        (await EnsureLoadedAsync()).Find(sha256) is { } entry ? ToRecord(entry) : null;

    public async Task<bool> AddAsync(BlobRecord blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var ledger = await EnsureLoadedAsync();
        if (ledger.Find(blob.Sha256) is not null)
        {
            return false;
        }

        var change = new BlobIndexChange
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
        return true;
    }

    public async Task<BlobReferenceReport> FindUnreferencedAsync()
    {
        var accountId = this.GetPrimaryKeyString();
        var collections = await GrainFactory.GetGrain<IAccountGrain>(accountId).ListCollectionsAsync();
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            var source = GrainFactory.GetGrain<IBlobReferenceSource>(CollectionKey.Format(accountId, collection), typeof(CollectionGrain).FullName);
            referenced.UnionWith(await source.ListBlobReferencesAsync());
        }

        // Read after the collections: a blob uploaded meanwhile shows as unreferenced, never the other way round.
        var ledger = await EnsureLoadedAsync();
        return new BlobReferenceReport
        {
            Blobs = ledger.Count,
            Referenced = ledger.Blobs.Count(b => referenced.Contains(b.Sha256)),
            Unreferenced = [.. ledger.Blobs.Where(b => !referenced.Contains(b.Sha256)).OrderBy(b => b.UploadedAt).Select(ToRecord)],
            CollectionsScanned = collections.Count,
            Missing = [.. referenced.Where(h => ledger.Find(h) is null).Order(StringComparer.Ordinal)],
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

    private static BlobRecord ToRecord(BlobIndexEntry entry) => new()
    {
        Sha256 = entry.Sha256,
        ContentType = entry.ContentType,
        Length = entry.Length,
        UploadedAt = entry.UploadedAt,
    };

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
