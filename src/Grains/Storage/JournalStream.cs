using System.Diagnostics;
using DeviceSync.Contracts.Operations;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// One activation's handle on one replicated stream, positioned after the last entry. Not thread-safe: a grain
/// (single-threaded) owns it. After a failed or fenced append the handle is faulted; reopen the stream.
/// </summary>
public sealed class JournalStream
{
    private const int MaxQueuedWritesPerReplica = 32;

    /// <summary>How many of its latest entries a stream keeps, to catch up a replica that missed some.</summary>
    private const int MaxRecentEntries = 64;
    private const long MaxRecentBytes = 8 * 1024 * 1024;

    private readonly AzureJournalStore _store;
    private readonly string _partitionKey;
    private readonly Task<ReplicaWriteResult>[] _lastWrites;
    private readonly int[] _queuedWrites;
    private Guid _lastEntryId;
    private byte[] _lastChain;
    private readonly Queue<(JournalEntry Entry, byte[] Payload)> _recent = new();
    private long _recentBytes;
    private bool _faulted;
    private bool _fenced;

    internal JournalStream(
        AzureJournalStore store,
        string streamKey,
        string partitionKey,
        JournalSnapshot? snapshot,
        IReadOnlyList<JournalRecord> entries,
        Guid lastEntryId,
        byte[] lastChain,
        IEnumerable<(JournalEntry Entry, byte[] Payload)> recent)
    {
        _store = store;
        StreamKey = streamKey;
        _partitionKey = partitionKey;
        Snapshot = snapshot;
        Entries = entries;
        LastSequence = entries.Count > 0 ? entries[^1].Sequence : snapshot?.Sequence ?? 0;
        BytesSinceSnapshot = entries.Sum(e => (long)e.Payload.Length);
        LastSnapshotBytes = snapshot?.Payload.Length ?? 0;
        _lastEntryId = lastEntryId;
        _lastChain = lastChain;
        foreach (var entry in recent)
        {
            Remember(entry.Entry, entry.Payload);
        }

        _lastWrites = store.Replicas.Select(_ => Task.FromResult(new ReplicaWriteResult(0, ReplicaOutcome.None))).ToArray();
        _queuedWrites = new int[store.Replicas.Count];
    }

    public string StreamKey { get; }

    /// <summary>The newest snapshot found at open.</summary>
    public JournalSnapshot? Snapshot { get; }

    /// <summary>The entries after <see cref="Snapshot"/> found at open, contiguous and in sequence order.</summary>
    public IReadOnlyList<JournalRecord> Entries { get; }

    /// <summary>The last entry written or loaded (0 for a new stream).</summary>
    public long LastSequence { get; private set; }

    /// <summary>Journal payload bytes after the latest snapshot: the caller's cue to snapshot.</summary>
    public long BytesSinceSnapshot { get; private set; }

    public long LastSnapshotBytes { get; private set; }

    /// <summary>
    /// The cluster's history-loss generation when the stream was read. Once the store learns of a higher one, this
    /// handle refuses to write: storage may have lost entries it still remembers (its next append would leave a hole),
    /// and its owner must reopen and start a new epoch (<see cref="HistoryLossClock"/>).
    /// </summary>
    public long HistoryLossGeneration { get; init; }

    /// <summary>
    /// Opened without a read, on the caller's belief that the stream is new (<see cref="AzureJournalStore.OpenNewAsync"/>):
    /// a fence on its first append is then the expected answer for a stream that exists, not another writer's race.
    /// </summary>
    public bool AssumedNew { get; init; }

    /// <summary>
    /// True once the store knows a higher history-loss generation than this handle was opened under: it will refuse to
    /// write, so its owner should reopen (and rebuild its state) before planning a change, not after a failed write.
    /// </summary>
    public bool IsBehindHistoryLoss => _store.HistoryLossGeneration > HistoryLossGeneration;

    /// <summary>
    /// Writes entry <see cref="LastSequence"/> + 1 to every replica in parallel (a conditional insert) and returns once
    /// W replicas hold it.
    /// </summary>
    /// <exception cref="JournalFencedException">Another writer owns that sequence: reopen.</exception>
    /// <exception cref="StorageUnavailableException">Fewer than W replicas took it; the handle is faulted: reopen.</exception>
    public async Task AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        ThrowIfFaulted();
        var options = _store.Options;
        var sequence = LastSequence + 1;
        var data = payload.ToArray(); // the caller may reuse its buffer while slow replicas still write
        var payloadHash = JournalChain.PayloadHash(data);
        var entryId = Guid.NewGuid();
        var entry = new JournalEntry
        {
            Sequence = sequence,
            EntryId = entryId,
            PreviousEntryId = _lastEntryId,
            Chain = JournalChain.Next(_lastChain, entryId, payloadHash),
            PayloadHash = payloadHash,
            PayloadLength = data.Length,
            BlobName = data.Length > JournalReplica.MaxInlinePayload ? JournalNames.Payload(_partitionKey, sequence, payloadHash) : null,
        };

        using var activity = StorageTelemetry.Source.StartActivity("journal.append");
        activity?.SetTag("stream", StreamKey);
        activity?.SetTag(StorageTelemetry.SequenceTag, sequence);
        activity?.SetTag("bytes", data.Length);

        QuorumResult result;
        try
        {
            result = await QuorumWriter.WriteAsync(StartOrderedWrites(entry, data), options.WriteQuorum, CountsTowardQuorum, ct).ConfigureAwait(true);
        }
        catch (OperationCanceledException)
        {
            _faulted = true; // the outcome is unknown: this handle's view of the sequence can no longer be trusted
            throw;
        }

        var acknowledged = result.Acknowledged;
        if (acknowledged >= options.WriteQuorum)
        {
            LastSequence = sequence;
            _lastEntryId = entryId;
            _lastChain = entry.Chain;
            Remember(entry, data);
            BytesSinceSnapshot += data.Length;
            _store.Observer?.Appended(StreamKey, new JournalCommit(sequence, entryId, data, DateTimeOffset.UtcNow));
            StorageTelemetry.Appends.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "acknowledged"));
            activity?.SetTag(StorageTelemetry.OutcomeTag, "acknowledged");
            return;
        }

        _faulted = true;
        if (result.Decided.Any(r => r.Outcome == ReplicaOutcome.Conflict))
        {
            _fenced = true;
            if (AssumedNew && sequence == 1)
            {
                Log.AssumedNewStreamExists(_store.Logger, StreamKey);
            }
            else
            {
                Log.AppendFenced(_store.Logger, StreamKey, sequence);
            }

            StorageTelemetry.Appends.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "fenced"));
            activity?.SetTag(StorageTelemetry.OutcomeTag, "fenced");
            activity?.SetStatus(ActivityStatusCode.Error, "fenced");
            _ = RemoveFencedCopiesAsync(result.All, sequence);
            throw new JournalFencedException(StreamKey, sequence);
        }

        Log.AppendUnavailable(_store.Logger, StreamKey, sequence, acknowledged, options.WriteQuorum);
        StorageTelemetry.Appends.Add(1, new KeyValuePair<string, object?>(StorageTelemetry.OutcomeTag, "unavailable"));
        activity?.SetTag(StorageTelemetry.OutcomeTag, "unavailable");
        activity?.SetStatus(ActivityStatusCode.Error, "unavailable");
        var errors = result.Decided.Select(r => r.Error).OfType<Exception>().ToArray();
        throw new StorageUnavailableException(
            $"Entry {sequence} of stream '{StreamKey}' reached {acknowledged} of the {options.WriteQuorum} replicas it needs; not acknowledged.",
            new AggregateException(errors));
    }

    /// <summary>
    /// Writes <paramref name="state"/> (the state through <see cref="LastSequence"/>) as a snapshot blob to every replica,
    /// acknowledged at W; each replica that holds it then drops the journal rows and older snapshots it covers.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Fewer than W replicas took it. Not fatal: the stream stays usable.</exception>
    /// <summary>
    /// Completes when this stream's latest write to every replica has finished (an append returns at W replicas; the
    /// others go on in the background). For tests that must know a replica's writes are over before they measure.
    /// </summary>
    internal Task WhenReplicaWritesSettledAsync() => Task.WhenAll(_lastWrites.ToArray());

    public async Task WriteSnapshotAsync(ReadOnlyMemory<byte> state, CancellationToken ct = default)
    {
        ThrowIfFaulted();
        var options = _store.Options;
        var sequence = LastSequence;
        var data = state.ToArray();
        var snapshot = new SnapshotInfo(sequence, _lastEntryId, _lastChain, JournalNames.Snapshot(_partitionKey, sequence));

        using var activity = StorageTelemetry.Source.StartActivity("journal.snapshot");
        activity?.SetTag("stream", StreamKey);
        activity?.SetTag(StorageTelemetry.SequenceTag, sequence);
        activity?.SetTag("bytes", data.Length);

        var writes = _store.Replicas.Select(r => Task.Run(() => WriteSnapshotAsync(r, snapshot, data), CancellationToken.None)).ToArray();
        var result = await QuorumWriter.WriteAsync(writes, options.WriteQuorum, CountsTowardQuorum, ct).ConfigureAwait(true);
        var acknowledged = result.Acknowledged;
        if (acknowledged < options.WriteQuorum)
        {
            Log.SnapshotUnavailable(_store.Logger, StreamKey, sequence, acknowledged, options.WriteQuorum);
            activity?.SetStatus(ActivityStatusCode.Error, "unavailable");
            throw new StorageUnavailableException(
                $"Snapshot {sequence} of stream '{StreamKey}' reached {acknowledged} of the {options.WriteQuorum} replicas it needs.",
                new AggregateException(result.Decided.Select(r => r.Error).OfType<Exception>()));
        }

        BytesSinceSnapshot = 0;
        LastSnapshotBytes = data.Length;
        _store.Observer?.SnapshotWritten(StreamKey, sequence, snapshot.LastEntryId, data);
    }

    /// <summary>
    /// Starts the entry's write on every replica, pipelined behind this stream's previous write to the same replica
    /// (which the replica's predecessor check waits for if it has not landed yet). A replica with too many writes in
    /// flight (hung) is skipped as failed; it lags until the next open repairs it.
    /// </summary>
    private Task<ReplicaWriteResult>[] StartOrderedWrites(JournalEntry entry, byte[] data)
    {
        var recent = _recent.ToArray();
        var writes = new Task<ReplicaWriteResult>[_store.Replicas.Count];
        for (var i = 0; i < writes.Length; i++)
        {
            var replica = _store.Replicas[i];
            if (Volatile.Read(ref _queuedWrites[i]) >= MaxQueuedWritesPerReplica)
            {
                writes[i] = Task.FromResult(new ReplicaWriteResult(i, ReplicaOutcome.Failed, Error: new TimeoutException($"Replica {i} has {MaxQueuedWritesPerReplica} writes in flight.")));
                _lastWrites[i] = writes[i];
                continue;
            }

            var previous = _lastWrites[i];
            // A replica whose previous write failed has missed that entry at least: this write catches it up first.
            var catchUp = previous.IsCompleted && previous.Result.Outcome is ReplicaOutcome.Failed;
            Interlocked.Increment(ref _queuedWrites[i]);
            var index = i;
            writes[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        return await WriteEntryAsync(replica, entry, data, recent, catchUp ? null : previous).ConfigureAwait(false);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _queuedWrites[index]);
                    }
                },
                CancellationToken.None);
            _lastWrites[i] = writes[i];
        }

        return writes;
    }

    /// <param name="previousWrite">This stream's previous write to the replica; null when that write failed, so this one
    /// must catch the replica up.</param>
    private async Task<ReplicaWriteResult> WriteEntryAsync(
        JournalReplica replica, JournalEntry entry, byte[] data, (JournalEntry Entry, byte[] Payload)[] recent, Task<ReplicaWriteResult>? previousWrite)
    {
        using var activity = StorageTelemetry.Source.StartActivity("journal.append.replica");
        activity?.SetTag(StorageTelemetry.ReplicaTag, replica.Index);
        activity?.SetTag(StorageTelemetry.SequenceTag, entry.Sequence);
        var started = Stopwatch.GetTimestamp();
        ReplicaWriteResult result;
        try
        {
            result = previousWrite is null && recent.Length > 0
                ? await replica.CatchUpAndInsertAsync(_partitionKey, entry, data, recent).ConfigureAwait(false)
                : await replica.InsertAsync(_partitionKey, entry, data, recent, previousWrite is { IsCompleted: false } ? previousWrite : null).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            result = new ReplicaWriteResult(replica.Index, ReplicaOutcome.Failed, Error: ex);
            StorageTelemetry.ReplicaFailures.Add(
                1,
                new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index),
                new KeyValuePair<string, object?>(StorageTelemetry.OperationTag, "append"));
            if (ex is ReplicaLagException)
            {
                Log.ReplicaLagging(_store.Logger, replica.Index, StreamKey, entry.Sequence);
            }
            else if (ex is TimeoutException)
            {
                Log.ReplicaWriteTimedOut(_store.Logger, replica.Index, "append", StreamKey, entry.Sequence, ex.Message);
            }
            else
            {
                Log.ReplicaWriteFailed(_store.Logger, ex, replica.Index, "append", StreamKey, entry.Sequence);
            }
        }

        StorageTelemetry.ReplicaWriteDuration.Record(
            Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index));
        activity?.SetTag(StorageTelemetry.OutcomeTag, result.Outcome.ToString());
        if (result.Outcome != ReplicaOutcome.Acknowledged)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }

        return result;
    }

    private async Task<ReplicaWriteResult> WriteSnapshotAsync(JournalReplica replica, SnapshotInfo snapshot, byte[] data)
    {
        using var activity = StorageTelemetry.Source.StartActivity("journal.snapshot.replica");
        activity?.SetTag(StorageTelemetry.ReplicaTag, replica.Index);
        activity?.SetTag(StorageTelemetry.SequenceTag, snapshot.Sequence);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await replica.UploadSnapshotAsync(snapshot, data).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageTelemetry.ReplicaFailures.Add(
                1,
                new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index),
                new KeyValuePair<string, object?>(StorageTelemetry.OperationTag, "snapshot"));
            Log.ReplicaWriteFailed(_store.Logger, ex, replica.Index, "snapshot", StreamKey, snapshot.Sequence);
            activity?.SetTag(StorageTelemetry.OutcomeTag, nameof(ReplicaOutcome.Failed));
            activity?.SetStatus(ActivityStatusCode.Error);
            return new ReplicaWriteResult(replica.Index, ReplicaOutcome.Failed, Error: ex);
        }

        StorageTelemetry.ReplicaWriteDuration.Record(
            Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index));
        activity?.SetTag(StorageTelemetry.OutcomeTag, nameof(ReplicaOutcome.Acknowledged));

        // Compaction only where this replica holds the snapshot; its failure leaves extra rows, never a hole.
        try
        {
            await replica.CompactAsync(_partitionKey, snapshot).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageTelemetry.ReplicaFailures.Add(
                1,
                new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, replica.Index),
                new KeyValuePair<string, object?>(StorageTelemetry.OperationTag, "compact"));
            Log.CompactionFailed(_store.Logger, ex, replica.Index, StreamKey, snapshot.Sequence);
        }

        return new ReplicaWriteResult(replica.Index, ReplicaOutcome.Acknowledged);
    }

    /// <summary>A fenced append may have landed on a minority of replicas: take those copies back so they never compete at open.</summary>
    private async Task RemoveFencedCopiesAsync(Task<ReplicaWriteResult[]> all, long sequence)
    {
        var results = await all.ConfigureAwait(false);
        foreach (var owned in results.Where(r => r.Outcome == ReplicaOutcome.Acknowledged && r.ETag != default))
        {
            try
            {
                await _store.Replicas[owned.Replica].DeleteEntryAsync(_partitionKey, sequence, owned.ETag).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.FencedCleanupFailed(_store.Logger, ex, owned.Replica, StreamKey, sequence);
            }
        }
    }

    private bool CountsTowardQuorum(int replica) => _store.Replicas[replica].Health.Counts;

    private void Remember(JournalEntry entry, byte[] payload)
    {
        _recent.Enqueue((entry, payload));
        _recentBytes += payload.Length;
        while (_recent.Count > MaxRecentEntries || (_recentBytes > MaxRecentBytes && _recent.Count > 1))
        {
            _recentBytes -= _recent.Dequeue().Payload.Length;
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fenced)
        {
            throw new JournalFencedException(StreamKey, LastSequence + 1);
        }

        if (!_faulted && IsBehindHistoryLoss)
        {
            _faulted = true;
            Log.StreamOpenedBeforeHistoryLoss(_store.Logger, StreamKey, HistoryLossGeneration, _store.HistoryLossGeneration);
        }

        if (_faulted)
        {
            throw new StorageUnavailableException($"Journal stream '{StreamKey}' is faulted by an earlier failed append; reopen it.");
        }
    }
}
