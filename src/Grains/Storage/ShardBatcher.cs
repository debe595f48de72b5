using Azure;
using Azure.Data.Tables;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Group commit for one replica (docs/adr/0010-group-commit.md, decisions 3 and 4): one queue per shard partition. An
/// append's pair of actions (insert row n, guard row n-1) joins its shard's queue; while a transaction to that shard is
/// in flight new pairs wait, and the next transaction takes everything that gathered (at most
/// <see cref="MaxStreams"/> streams, one entry per stream, <see cref="MaxInlineBytes"/> of inline payload). No timer:
/// at low load every transaction holds one pair, so latency does not rise; under load batches grow by themselves.
/// Each pair gets its own outcome: the insert's ETag, or a <see cref="PairFailedException"/> naming which of its two
/// actions failed, which the append handles exactly as an unbatched one (fence, read-back, catch-up).
/// </summary>
internal sealed class ShardBatcher
{
    /// <summary>50 streams × 2 actions = Azure's 100 actions per transaction.</summary>
    internal const int MaxStreams = 50;

    /// <summary>Raw inline payload per transaction: base64 and the multipart envelope keep it well under Azure's 4 MiB body.</summary>
    internal const long MaxInlineBytes = 2 * 1024 * 1024;

    /// <summary>After this many failed actions in one batch the rest go one transaction per stream (today's requests),
    /// so a storm of stale writers costs no more than without batching.</summary>
    internal const int MaxFailuresBeforeSplit = 2;

    private readonly Func<IReadOnlyList<TableTransactionAction>, CancellationToken, Task<ETag[]>> _submit;
    private readonly TimeSpan _timeout;
    private readonly Shard[] _shards;

    /// <param name="submit">Sends one transaction to the replica (<c>JournalReplica.SubmitTransactionAsync</c>).</param>
    public ShardBatcher(Func<IReadOnlyList<TableTransactionAction>, CancellationToken, Task<ETag[]>> submit, int shards, TimeSpan timeout)
    {
        _submit = submit;
        _timeout = timeout;
        _shards = Enumerable.Range(0, shards).Select(_ => new Shard()).ToArray();
    }

    /// <summary>Transactions sent (tests and benchmarks count them).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    private long _transactions;

    /// <summary>Pairs waiting for a transaction, over all shards (tests wait for a batch to gather).</summary>
    public int Waiting => _shards.Sum(shard =>
    {
        lock (shard)
        {
            return shard.Waiting.Count;
        }
    });

    /// <summary>Queues one stream's pair for <paramref name="shard"/>; completes when its transaction did.</summary>
    /// <param name="token">Cancels the wait; a pair already sent cannot be taken back (as with an unbatched request that timed out).</param>
    public Task<ETag> SubmitAsync(int shard, string streamKey, TableTransactionAction insert, TableTransactionAction guard, long inlineBytes, CancellationToken token)
    {
        var pending = new Pending(streamKey, insert, guard, inlineBytes);
        if (token.CanBeCanceled)
        {
            pending.Cancellation = token.Register(static p => ((Pending)p!).Result.TrySetCanceled(), pending);
        }

        var queue = _shards[shard];
        bool start;
        lock (queue)
        {
            queue.Waiting.Add(pending);
            start = !queue.Sending;
            queue.Sending = true;
        }

        if (start)
        {
            // Off the caller's scheduler (a grain's): the loop serves every stream of the shard.
            _ = Task.Run(() => DrainAsync(queue), CancellationToken.None);
        }

        return pending.Result.Task;
    }

    private async Task DrainAsync(Shard queue)
    {
        while (true)
        {
            List<Pending> batch;
            lock (queue)
            {
                batch = Take(queue.Waiting);
                if (batch.Count == 0)
                {
                    queue.Sending = false;
                    return;
                }
            }

            try
            {
                await SendAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // SendAsync completes every pair itself; this only guards the loop against a bug leaving callers waiting.
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(ex);
                }
            }
            finally
            {
                foreach (var pending in batch)
                {
                    pending.Cancellation.Dispose();
                }
            }
        }
    }

    /// <summary>The next batch, in arrival order: one pair per stream (a stream's next entry guards on this one's row, and a
    /// transaction may touch a row once), skipping pairs whose caller gave up before they were sent.</summary>
    private static List<Pending> Take(List<Pending> waiting)
    {
        var batch = new List<Pending>();
        var streams = new HashSet<string>(StringComparer.Ordinal);
        var bytes = 0L;
        for (var i = 0; i < waiting.Count && batch.Count < MaxStreams; i++)
        {
            var pending = waiting[i];
            if (pending.Result.Task.IsCompleted)
            {
                waiting.RemoveAt(i--);
                continue;
            }

            // A stream seen once (taken or left for size) keeps its later entries for a later batch, in order.
            if (!streams.Add(pending.StreamKey))
            {
                continue;
            }

            if (batch.Count > 0 && bytes + pending.InlineBytes > MaxInlineBytes)
            {
                continue;
            }

            batch.Add(pending);
            bytes += pending.InlineBytes;
            waiting.RemoveAt(i--);
        }

        return batch;
    }

    private async Task SendAsync(List<Pending> batch)
    {
        var failures = 0;
        while (batch.Count > 0)
        {
            if (failures >= MaxFailuresBeforeSplit)
            {
                await Task.WhenAll(batch.Select(p => SendAsync([p]))).ConfigureAwait(false);
                return;
            }

            var actions = new List<TableTransactionAction>(batch.Count * 2);
            foreach (var pending in batch)
            {
                actions.Add(pending.Insert);
                actions.Add(pending.Guard);
            }

            using var timeout = new CancellationTokenSource(_timeout);
            try
            {
                Interlocked.Increment(ref _transactions);
                StorageTelemetry.GroupCommitBatchAppends.Record(batch.Count);
                var etags = await _submit(actions, timeout.Token).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(etags[2 * i]);
                }

                return;
            }
            catch (TableTransactionActionFailedException ex)
                when (ex.FailedActionIndex is int index && index >= 0 && index < actions.Count && !JournalReplica.IsMissingContainer(ex))
            {
                // Only the first failed action is reported: its stream takes its own path (the append's fence or catch-up
                // handling); the others did not land (a transaction is atomic) and go again at once.
                var failed = batch[index / 2];
                failed.Result.TrySetException(new PairFailedException(index % 2, ex.Status, ex));
                batch.RemoveAt(index / 2);
                failures++;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                var timedOut = new TimeoutException($"A batched transaction of {batch.Count} appends did not finish within {_timeout}.", ex);
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(timedOut);
                }

                return;
            }
            catch (Exception ex)
            {
                // Unreachable, throttled, table missing (reported on whichever action came first, but the replica's loss,
                // which each append's RunAsync handles): every pair in the batch failed on this replica, as each would alone.
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(ex);
                }

                return;
            }
        }
    }

    private sealed class Shard
    {
        public List<Pending> Waiting { get; } = [];

        public bool Sending { get; set; }
    }

    private sealed class Pending(string streamKey, TableTransactionAction insert, TableTransactionAction guard, long inlineBytes)
    {
        public string StreamKey { get; } = streamKey;

        public TableTransactionAction Insert { get; } = insert;

        public TableTransactionAction Guard { get; } = guard;

        public long InlineBytes { get; } = inlineBytes;

        public TaskCompletionSource<ETag> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}

/// <summary>One action of an append's pair (0 = the insert of its row, 1 = the guard: predecessor merge or genesis insert) failed.</summary>
internal sealed class PairFailedException(int action, int status, Exception inner)
    : Exception($"Action {action} of an append's transaction failed with status {status}.", inner)
{
    public int Action { get; } = action;

    public int Status { get; } = status;
}
