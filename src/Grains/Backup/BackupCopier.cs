using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// Copies every acknowledged journal entry and snapshot of this silo's streams to the backup store. The journal tells
/// it what became durable (<see cref="IJournalObserver"/>: enqueue only, never blocks or throws); every
/// <see cref="BackupOptions.CopyInterval"/> it ships each stream's new entries in one entity-group transaction. A failed
/// pass is logged, metered and retried from the same entry on the next pass, so the backup's history has no holes.
/// Each stream open is reconciled against the backup's tail, which ships what a crashed silo acknowledged but never
/// copied, and notices a live stream that lost its history (a new backup generation, so the old one is not overwritten).
/// </summary>
public sealed class BackupCopier : BackgroundService, IJournalObserver
{
    private const int MaxConcurrentStreams = 8;
    private static readonly TimeSpan IdleStreamEviction = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetryInterval = TimeSpan.FromSeconds(30);

    private readonly BackupStore? _store;
    private readonly BackupOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupCopier> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StreamWork> _streams = new(StringComparer.Ordinal);
    private long _pending;
    private DateTimeOffset? _lastCopy;

    public BackupCopier(BackupConnection connection, IOptions<BackupOptions> options, TimeProvider time, ILogger<BackupCopier> logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _store = connection.Store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        if (_store is not null)
        {
            BackupTelemetry.Register(this, ReadGauges);
        }
    }

    /// <summary>Entries waiting to be copied (tests and metrics).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public void OnAppended(string streamKey, JournalCommit entry)
    {
        if (_store is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var work = Work(streamKey, now);
            if (work.Overflowed || _pending >= _options.MaxPendingEntries)
            {
                // Dropping one entry means dropping every later one too (no holes); the stream's next open ships them.
                work.Overflowed = true;
                BackupTelemetry.Dropped.Add(1);
                return;
            }

            work.Entries.Add(entry with { CommittedAt = entry.CommittedAt ?? now });
            work.OldestPendingAt ??= now;
            _pending++;
        }
    }

    public void OnSnapshotWritten(string streamKey, long sequence, Guid lastEntryId, ReadOnlyMemory<byte> state)
    {
        if (_store is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var work = Work(streamKey, now);
            work.Snapshot = new PendingSnapshot(sequence, state, now);
            work.OldestPendingAt ??= now;
        }
    }

    public void OnOpened(JournalOpened opened)
    {
        ArgumentNullException.ThrowIfNull(opened);
        if (_store is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var work = Work(opened.StreamKey, now);
            work.Reconcile = opened;
            work.Overflowed = false;
            work.Known = false;
            work.OldestPendingAt ??= now;
        }
    }

    /// <summary>One copy pass over every stream with work; what fails stays queued. Returns the streams that failed.</summary>
    public async Task<int> CopyOnceAsync(CancellationToken ct = default)
    {
        if (_store is null)
        {
            return 0;
        }

        List<(string Key, StreamWork Work)> due;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            due = _streams.Where(s => s.Value.HasWork).Select(s => (s.Key, s.Value)).ToList();
            foreach (var idle in _streams.Where(s => !s.Value.HasWork && now - s.Value.LastTouched > IdleStreamEviction).Select(s => s.Key).ToList())
            {
                _streams.Remove(idle);
            }
        }

        var failed = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentStreams, CancellationToken = ct }, async (stream, token) =>
        {
            if (!await CopyStreamAsync(stream.Key, stream.Work, token).ConfigureAwait(false))
            {
                Interlocked.Increment(ref failed);
            }
        }).ConfigureAwait(false);
        return failed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_store is null)
        {
            return;
        }

        var interval = _options.CopyInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            int failed;
            try
            {
                failed = await CopyOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            // Back off while the backup store fails, so a dead store is not hammered; at once back to normal when it answers.
            interval = failed > 0 ? TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxRetryInterval.Ticks)) : _options.CopyInterval;
        }

        // A graceful stop ships what is queued, within a short budget; whatever remains is shipped by the next open.
        using var final = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await CopyOnceAsync(final.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.FinalPassIncomplete(_logger, Pending);
        }
    }

    public override void Dispose()
    {
        BackupTelemetry.Unregister(this);
        base.Dispose();
    }

    private async Task<bool> CopyStreamAsync(string streamKey, StreamWork work, CancellationToken ct)
    {
        var store = _store!;
        JournalOpened? reconcile;
        JournalCommit[] queued;
        PendingSnapshot? snapshot;
        lock (_gate)
        {
            reconcile = work.Reconcile;
            queued = [.. work.Entries];
            snapshot = work.Snapshot;
        }

        try
        {
            if (!work.Known)
            {
                work.Generation = await store.ReadGenerationAsync(streamKey, ct).ConfigureAwait(false);
                var tail = work.Generation is { } g ? await store.ReadTailAsync(streamKey, g, ct).ConfigureAwait(false) : null;
                work.Tail = tail;
                work.Known = true;
            }

            PendingSnapshot? baseSnapshot = null;
            var toWrite = new List<BackupEntry>();
            var backupLast = work.Tail?.Last ?? 0;
            if (reconcile is not null)
            {
                if (work.Tail is { } tail && Diverges(reconcile, tail))
                {
                    work.ForkBase = reconcile;
                    Log.LiveShorterThanBackup(_logger, streamKey, reconcile.LastSequence, tail.Last, tail.Generation);
                }
                else
                {
                    if (reconcile.SnapshotSequence > backupLast && reconcile.SnapshotState is { } state)
                    {
                        // The live replicas compacted entries the backup never got: the snapshot stands in for them.
                        baseSnapshot = new PendingSnapshot(reconcile.SnapshotSequence, state, _time.GetUtcNow());
                    }

                    toWrite.AddRange(reconcile.Entries.Where(e => e.Sequence > backupLast).Select(ToBackup));
                }
            }

            // A diverged live stream that already holds acknowledged entries past the backup's end (written after the loss by a
            // silo that crashed before copying, found by the catch-up) is news too: waiting for its next write could be forever.
            var hasNews = queued.Length > 0 || snapshot is not null
                || (work.ForkBase is { } diverged && ReferenceEquals(diverged, reconcile) && diverged.LastSequence > (work.Tail?.Last ?? 0));
            if (work.ForkBase is { } fork && hasNews)
            {
                var generation = (work.Generation ?? -1) + 1;
                await store.WriteGenerationAsync(streamKey, generation, ct).ConfigureAwait(false);
                BackupTelemetry.Forks.Add(1);
                Log.Forked(_logger, streamKey, generation);
                work.Generation = generation;
                work.Tail = null;
                work.ForkBase = null;
                backupLast = 0;
                baseSnapshot = fork.SnapshotState is { } forkState && fork.SnapshotSequence > 0
                    ? new PendingSnapshot(fork.SnapshotSequence, forkState, _time.GetUtcNow())
                    : null;
                toWrite.Clear();
                toWrite.AddRange(fork.Entries.Select(ToBackup));
            }
            else if (work.ForkBase is not null)
            {
                // Diverged but nothing new: fork when the stream next writes (a restore often comes first).
                Complete(work, reconcile, [], null);
                return true;
            }

            {
                var from = toWrite.Count > 0 ? toWrite[^1].Sequence : backupLast;
                if (baseSnapshot is null && toWrite.Count == 0 && snapshot is null && !queued.Any(e => e.Sequence > from))
                {
                    // Nothing the backup lacks (an open of an empty or fully copied stream): no request at all.
                    Complete(work, reconcile, [], null);
                    return true;
                }
            }

            if (work.Generation is null)
            {
                await store.WriteGenerationAsync(streamKey, 0, ct).ConfigureAwait(false);
                work.Generation = 0;
            }

            var generationNow = work.Generation.Value;
            var first = work.Tail is null;
            if (baseSnapshot is { } b)
            {
                await store.WriteSnapshotAsync(streamKey, generationNow, b.Sequence, b.At, b.State, first, ct).ConfigureAwait(false);
                first = false;
                backupLast = Math.Max(backupLast, b.Sequence);
                BackupTelemetry.Copied.Add(1, new KeyValuePair<string, object?>("kind", "reconciled-snapshot"));
            }

            var last = toWrite.Count > 0 ? toWrite[^1].Sequence : backupLast;
            toWrite.RemoveAll(e => e.Sequence <= backupLast);
            toWrite.AddRange(queued.Where(e => e.Sequence > last).Select(ToBackup));
            if (toWrite.Count > 0)
            {
                await store.WriteEntriesAsync(streamKey, generationNow, toWrite, first, ct).ConfigureAwait(false);
                first = false;
                BackupTelemetry.Copied.Add(toWrite.Count, new KeyValuePair<string, object?>("kind", "entry"));
            }

            var lastWritten = toWrite.Count > 0 ? toWrite[^1] : null;
            if (snapshot is { } s && s.Sequence <= Math.Max(backupLast, lastWritten?.Sequence ?? 0))
            {
                await store.WriteSnapshotAsync(streamKey, generationNow, s.Sequence, s.At, s.State, first, ct).ConfigureAwait(false);
                BackupTelemetry.Copied.Add(1, new KeyValuePair<string, object?>("kind", "snapshot"));
            }
            else
            {
                snapshot = null; // its entries are not in the backup yet: keep it for the next pass
            }

            var newestSequence = Math.Max(backupLast, lastWritten?.Sequence ?? 0);
            var wroteSomething = baseSnapshot is not null || lastWritten is not null || snapshot is not null;
            work.Tail = !wroteSomething ? work.Tail : (work.Tail ?? new BackupTail { StreamKey = streamKey, Generation = generationNow }) with
            {
                Generation = generationNow,
                Newest = lastWritten?.Sequence ?? work.Tail?.Newest ?? 0,
                NewestEntryId = lastWritten?.EntryId ?? work.Tail?.NewestEntryId ?? Guid.Empty,
                Snapshot = Math.Max(work.Tail?.Snapshot ?? 0, baseSnapshot?.Sequence ?? 0),
            };
            Complete(work, reconcile, queued.Where(e => e.Sequence <= newestSequence).Select(e => e.Sequence).ToHashSet(), snapshot);
            _lastCopy = _time.GetUtcNow();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            work.Known = false; // read the tail again next time: part of the pass may have landed
            BackupTelemetry.CopyFailures.Add(1);
            Log.CopyFailed(_logger, ex, streamKey, queued.Length);
            return false;
        }
    }

    /// <summary>Removes what was copied from the stream's queue (new work may have arrived meanwhile).</summary>
    private void Complete(StreamWork work, JournalOpened? reconciled, HashSet<long> copied, PendingSnapshot? snapshot)
    {
        lock (_gate)
        {
            if (ReferenceEquals(work.Reconcile, reconciled))
            {
                work.Reconcile = null;
            }

            if (snapshot is not null && ReferenceEquals(work.Snapshot, snapshot))
            {
                work.Snapshot = null;
            }

            var removed = work.Entries.RemoveAll(e => copied.Contains(e.Sequence));
            _pending -= removed;

            // The lag is the age of what still waits: a stream written without pause always has work, so the time of its
            // first queued item would otherwise only ever grow.
            work.OldestPendingAt = !work.HasWork ? null
                : work.Entries.Count > 0 && work.Reconcile is null && work.Snapshot is null ? work.Entries[0].CommittedAt
                : work.OldestPendingAt;
        }
    }

    /// <summary>True when the live stream is not a continuation of the backup's: it is shorter, or holds another entry at the
    /// backup's newest sequence. Such a stream lost its history; writing its entries over the backup's would destroy the backup.</summary>
    internal static bool Diverges(JournalOpened live, BackupTail tail)
    {
        if (tail.Last == 0)
        {
            return false;
        }

        if (live.LastSequence < tail.Last)
        {
            return true;
        }

        if (tail.Newest > 0)
        {
            if (live.Entries.FirstOrDefault(e => e.Sequence == tail.Newest) is { } entry)
            {
                return entry.EntryId != tail.NewestEntryId;
            }

            if (live.SnapshotSequence == tail.Newest && live.SnapshotLastEntryId != Guid.Empty)
            {
                return live.SnapshotLastEntryId != tail.NewestEntryId;
            }
        }

        return false;
    }

    private BackupEntry ToBackup(JournalCommit entry) =>
        new(entry.Sequence, entry.EntryId, entry.CommittedAt ?? _time.GetUtcNow(), entry.Payload);

    private StreamWork Work(string streamKey, DateTimeOffset now)
    {
        if (!_streams.TryGetValue(streamKey, out var work))
        {
            work = new StreamWork();
            _streams[streamKey] = work;
        }

        work.LastTouched = now;
        return work;
    }

    private (long Pending, double LagSeconds, double LastCopyUnixSeconds) ReadGauges()
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? oldest;
        lock (_gate)
        {
            oldest = _streams.Values.Where(w => w.HasWork).Min(w => w.OldestPendingAt);
        }

        return (Pending, oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0, _lastCopy?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
    }

    private sealed record PendingSnapshot(long Sequence, ReadOnlyMemory<byte> State, DateTimeOffset At);

    /// <summary>One stream's queue and what this silo knows of its backup. Guarded by the copier's lock, except the
    /// fields only the (one) copy pass of this stream touches: Known, Generation, Tail, ForkBase.</summary>
    private sealed class StreamWork
    {
        public List<JournalCommit> Entries { get; } = [];

        public PendingSnapshot? Snapshot { get; set; }

        public JournalOpened? Reconcile { get; set; }

        public bool Overflowed { get; set; }

        public DateTimeOffset? OldestPendingAt { get; set; }

        public DateTimeOffset LastTouched { get; set; }

        public bool Known { get; set; }

        public int? Generation { get; set; }

        public BackupTail? Tail { get; set; }

        public JournalOpened? ForkBase { get; set; }

        public bool HasWork => Entries.Count > 0 || Snapshot is not null || Reconcile is not null;
    }
}
