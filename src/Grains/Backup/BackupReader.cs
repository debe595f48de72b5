namespace DeviceSync.Grains.Backup;

/// <summary>Finds and reads a stream's backed-up state at a point in time (or its latest), for restores and drills.</summary>
public sealed class BackupReader(BackupStore store)
{
    public BackupStore Store => store;

    /// <summary>
    /// The stream as of <paramref name="to"/> (null: the newest point the backup holds). Of several generations (the
    /// live stream lost its history and started again) the newest one that had begun by <paramref name="to"/> is read.
    /// Null when the backup holds nothing of the stream at or before that time.
    /// </summary>
    /// <exception cref="InvalidDataException">The backup is damaged: an entry is missing or does not match its hash.</exception>
    public async Task<BackupImage?> ReadAsync(string streamKey, DateTimeOffset? to, CancellationToken ct = default) =>
        await store.ReadGenerationAsync(streamKey, ct).ConfigureAwait(false) is { } current
            ? await ReadAsync(streamKey, current, to, ct).ConfigureAwait(false)
            : null;

    /// <summary>As <see cref="ReadAsync(string, DateTimeOffset?, CancellationToken)"/>, with the stream's current generation
    /// already known (from <see cref="BackupStore.ListStreamsAsync"/>), which saves the index read.</summary>
    public async Task<BackupImage?> ReadAsync(string streamKey, int currentGeneration, DateTimeOffset? to, CancellationToken ct = default)
    {
        for (var generation = currentGeneration; generation >= 0; generation--)
        {
            var tail = await store.ReadTailAsync(streamKey, generation, ct).ConfigureAwait(false);
            if (tail is null || tail.Last == 0 || (to is { } t && (tail.FirstAt is not { } first || first > t)))
            {
                continue;
            }

            return await ReadGenerationAsync(streamKey, generation, to, ct).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The generation as of <paramref name="to"/> (null: its newest point).</summary>
    public async Task<BackupImage?> ReadGenerationAsync(string streamKey, int generation, DateTimeOffset? to, CancellationToken ct = default)
    {
        // The table and the blob listing are independent: read both at once.
        var listingEntries = store.ListEntriesAsync(streamKey, generation, ct);
        var listingSnapshots = store.ListSnapshotsAsync(streamKey, generation, ct);
        await Task.WhenAll(listingEntries, listingSnapshots).ConfigureAwait(false);
        var (headers, snapshots) = (listingEntries.Result, listingSnapshots.Result);
        var eligibleEntries = headers.Where(h => to is null || h.CommittedAt <= to).ToArray();
        var eligibleSnapshots = snapshots.Where(s => to is null || s.CommittedAt <= to).ToArray();
        var target = Math.Max(eligibleEntries.Length > 0 ? eligibleEntries[^1].Sequence : 0, eligibleSnapshots.Length > 0 ? eligibleSnapshots[^1].Sequence : 0);
        if (target == 0)
        {
            return null;
        }

        var snapshot = eligibleSnapshots.LastOrDefault(s => s.Sequence <= target);
        var baseSequence = snapshot?.Sequence ?? 0;

        // Entries after the base must be contiguous; a gap (entries compacted on the live replicas before the backup got
        // them, shipped later as a snapshot) ends the restorable history there. A gap is damage only if no snapshot covers it,
        // which ReadEntriesAsync reports.
        var held = eligibleEntries.Where(h => h.Sequence > baseSequence).Select(h => h.Sequence).ToHashSet();
        var through = baseSequence;
        while (through < target && held.Contains(through + 1))
        {
            through++;
        }

        if (through < target && eligibleSnapshots.Any(s => s.Sequence > through))
        {
            // A later snapshot closes the gap: restore from it instead.
            snapshot = eligibleSnapshots.Last(s => s.Sequence <= target);
            baseSequence = snapshot.Sequence;
            through = baseSequence;
            while (through < target && held.Contains(through + 1))
            {
                through++;
            }
        }

        var readingEntries = store.ReadEntriesAsync(streamKey, generation, baseSequence + 1, through, ct);
        var readingSnapshot = snapshot is null ? null : store.ReadSnapshotAsync(snapshot, ct);
        await Task.WhenAll(readingSnapshot is null ? [readingEntries] : [readingEntries, readingSnapshot]).ConfigureAwait(false);
        var entries = readingEntries.Result;
        var state = readingSnapshot is null ? (ReadOnlyMemory<byte>?)null : readingSnapshot.Result;
        var committedAt = entries.Count > 0 ? entries[^1].CommittedAt : snapshot?.CommittedAt;
        return new BackupImage
        {
            StreamKey = streamKey,
            Generation = generation,
            Sequence = through,
            CommittedAt = committedAt,
            SnapshotSequence = baseSequence,
            SnapshotState = state,
            Entries = entries,
            MissingFrom = through < target ? through + 1 : null,
        };
    }
}
