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
            .Select((connectionString, index) => new JournalReplica(index, connectionString, options.TablePrefix, options.ReplicaTimeout, extraPolicy))
            .ToArray();
    }

    private readonly SemaphoreSlim _opens;

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

    private async Task<JournalStream> OpenNowAsync(string streamKey, CancellationToken cancellationToken)
    {
        var partitionKey = StreamKeyEncoding.Encode(streamKey);
        using var activity = StorageTelemetry.Source.StartActivity("journal.open");
        activity?.SetTag("stream", streamKey);

        var reads = Replicas.Select(r => Task.Run(() => ReadReplicaAsync(r, streamKey, partitionKey), CancellationToken.None)).ToArray();
        var views = (await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(true)).OfType<ReplicaView>().ToList();
        if (views.Count < Options.ReadQuorum)
        {
            Log.OpenUnavailable(Logger, streamKey, views.Count, Options.ReadQuorum);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "unavailable");
            throw new StorageUnavailableException(
                $"Stream '{streamKey}': {views.Count} storage replicas answered, {Options.ReadQuorum} needed to read.");
        }

        var history = JournalHistoryResolver.Resolve(views);
        foreach (var sequence in history.ChainBreaks)
        {
            Log.ChainBreak(Logger, streamKey, sequence);
        }

        if (history.FirstIgnoredSequence > 0)
        {
            Log.GapIgnored(Logger, streamKey, history.LastSequence, history.FirstIgnoredSequence);
        }

        var (snapshot, snapshotState) = await LoadSnapshotAsync(streamKey, history).ConfigureAwait(true);
        var payloads = await Task.Run(() => LoadPayloadsAsync(streamKey, history), CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(true);
        await ReplicaRepairer.RepairAsync(this, streamKey, partitionKey, views, history, snapshotState, payloads).WaitAsync(cancellationToken).ConfigureAwait(true);

        var records = history.Entries.Select((e, i) => new JournalRecord(e.Entry.Sequence, payloads[i])).ToArray();
        var last = history.Entries.Count > 0 ? history.Entries[^1].Entry : null;
        var lastEntryId = last?.EntryId ?? history.Snapshot?.Info.LastEntryId ?? Guid.Empty;
        var lastChain = last?.Chain ?? history.Snapshot?.Info.Chain ?? JournalChain.Empty;
        activity?.SetTag(StorageTelemetry.SequenceTag, history.LastSequence);
        var recent = history.Entries.Select((e, i) => (e.Entry, payloads[i]));
        Observer?.Opened(streamKey, history, snapshot, payloads);
        return new JournalStream(this, streamKey, partitionKey, snapshot, records, lastEntryId, lastChain, recent);
    }

    private async Task<ReplicaView?> ReadReplicaAsync(JournalReplica replica, string streamKey, string partitionKey)
    {
        using var activity = StorageTelemetry.Source.StartActivity("journal.open.replica");
        activity?.SetTag(StorageTelemetry.ReplicaTag, replica.Index);
        try
        {
            var view = await replica.ReadAsync(partitionKey).ConfigureAwait(false);
            activity?.SetTag(StorageTelemetry.OutcomeTag, "answered");
            return view;
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
