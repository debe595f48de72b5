using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Ops.Backups;

/// <summary>
/// The restore drill (docs/adr/0005-backups-and-restore.md, point 7): for every backed-up collection, take the live
/// summary first, find the backed-up state equal to it (waiting up to <paramref name="wait"/> for a backup that lags
/// by seconds), restore that state into scratch storage through the real journal (one restore entry and a snapshot
/// in a throw-away table on the backup account), read it back and compare digests. A collection the live system has
/// moved past while the backup lagged is still compared at the same point, so a verdict under live traffic means
/// something. Writes the verification record the silos publish as metrics.
/// </summary>
public sealed class RestoreDrill(BackupStore store, AdminClient admin, TimeSpan wait, TextWriter output, int parallelism = RestoreDrill.DefaultParallelism)
{
    /// <summary>Collections verified at once. Each is a chain of small dependent requests (backup reads, then the scratch
    /// journal's writes and reads), so the time goes into round trips, not work: measured in docs/benchmarks.md.</summary>
    public const int DefaultParallelism = 16;

    public const int MaxParallelism = 64;

    private static readonly SyncPolicy Policy = new();

    public async Task<DrillVerdict> RunAsync(string? accountId, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var prefix = accountId is null ? "collection/" : JournalStreams.ForCollection(accountId, "");
        var streams = await store.ListStreamsAsync(prefix, ct).ConfigureAwait(false);
        var byAccount = streams
            .Select(s => (Stream: s, Parts: s.StreamKey["collection/".Length..].Split('/', 2)))
            .Where(s => s.Parts.Length == 2)
            .GroupBy(s => s.Parts[0], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

        // One item per backed-up collection, and one per account for the collections only the live system lists (found
        // once its digests are read). Items are in account order, so an account's collections run close together in time
        // after its digests were read, as they did when a whole account was one item.
        var live = byAccount.ToDictionary(
            g => g.Key,
            g => new Lazy<Task<IReadOnlyDictionary<string, AdminClient.LiveCollection>>>(() => admin.DigestsAsync(g.Key, ct)),
            StringComparer.Ordinal);
        var backedUp = byAccount.ToDictionary(g => g.Key, g => g.Select(s => s.Parts[1]).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var work = byAccount.SelectMany(g => g
            .Select(s => new DrillItem(g.Key, s.Parts[1], s.Stream.Generation, LiveOnly: false))
            .Append(new DrillItem(g.Key, null, null, LiveOnly: true)))
            .ToList();

        var reader = new BackupReader(store);
        var differences = new List<string>();
        var matched = 0;
        var scratchPrefix = "drill" + Guid.NewGuid().ToString("N")[..10];
        var scratch = store.OpenScratchJournal(scratchPrefix);
        try
        {
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(parallelism, 1, MaxParallelism), CancellationToken = ct }, async (item, token) =>
            {
                var liveCollections = await live[item.Account].Value.ConfigureAwait(false);
                var toCheck = item.LiveOnly
                    ? liveCollections.Keys
                        .Where(c => !backedUp[item.Account].Contains(c))
                        .Order(StringComparer.Ordinal)
                        .Select(c => (Collection: c, Generation: (int?)null))
                        .ToList()
                    : [(item.Collection!, item.Generation)];
                foreach (var (collection, generation) in toCheck)
                {
                    var streamKey = JournalStreams.ForCollection(item.Account, collection);
                    var problem = liveCollections.TryGetValue(collection, out var liveCollection)
                        ? await VerifyAsync(reader, scratch, streamKey, generation, collection, liveCollection, token).ConfigureAwait(false)
                        : "the live system does not list this collection";
                    if (problem is null)
                    {
                        Interlocked.Increment(ref matched);
                    }
                    else
                    {
                        lock (differences)
                        {
                            differences.Add($"{item.Account}/{collection}: {problem}");
                        }

                        await output.WriteLineAsync($"[drill] differs: {item.Account}/{collection}: {problem}").ConfigureAwait(false);
                    }
                }
            }).ConfigureAwait(false);
            differences.Sort(StringComparer.Ordinal);
        }
        finally
        {
            await DeleteScratchAsync(scratchPrefix).ConfigureAwait(false);
        }

        var verdict = new DrillVerdict(byAccount.Count, matched, differences, started, DateTimeOffset.UtcNow - started);
        await RecordAsync(verdict, accountId is null, ct).ConfigureAwait(false);
        return verdict;
    }

    /// <summary>Null when the backup restores to exactly the live state; otherwise why not.</summary>
    /// <param name="generation">The stream's current generation as the drill listed it (saves the index read); null, or on
    /// every later attempt, it is read from the index, which a fork may have moved meanwhile.</param>
    private async Task<string?> VerifyAsync(BackupReader reader, AzureJournalStore scratch, string streamKey, int? generation, string collection, AdminClient.LiveCollection live, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            BackupImage? image;
            try
            {
                image = generation is { } known
                    ? await reader.ReadAsync(streamKey, known, to: null, ct).ConfigureAwait(false)
                    : await reader.ReadAsync(streamKey, to: null, ct).ConfigureAwait(false);
                generation = null;
            }
            catch (InvalidDataException ex)
            {
                return "the backup is damaged: " + ex.Message;
            }

            if (image is null)
            {
                // A collection the live system has but the backup does not (yet): its first copy may be a second away.
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    return "the backup holds no restorable point";
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                continue;
            }

            if (image.MissingFrom is { } missing)
            {
                return $"the backup lacks entry {missing} (it holds later ones)";
            }

            byte[]? match = null;
            long backupHead;
            try
            {
                var final = BackupReplay.Collection(image, collection, Policy, (_, ledger) =>
                {
                    if (match is null && ledger.HeadVersion == live.HeadVersion && ledger.ComputeDigest() == live.Digest)
                    {
                        match = CollectionCodec.EncodeSnapshot(ledger);
                    }
                });
                backupHead = final.HeadVersion;
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or NotSupportedException)
            {
                return "the backup does not replay: " + ex.Message;
            }

            if (match is not null)
            {
                return await RestoreIntoScratchAsync(scratch, streamKey, collection, match, live, ct).ConfigureAwait(false);
            }

            if (backupHead >= live.HeadVersion || DateTimeOffset.UtcNow >= deadline)
            {
                return $"no backed-up state equals the live one (live head {live.HeadVersion}, {live.Items} items; backup head {backupHead})";
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); // the backup lags the live system by seconds
        }
    }

    /// <summary>Restores the matched state as the grain would (a restore entry in a new epoch, then a snapshot) into a scratch
    /// journal, reads it back through a fresh open, and compares the digest.</summary>
    private static async Task<string?> RestoreIntoScratchAsync(AzureJournalStore scratch, string streamKey, string collection, byte[] state, AdminClient.LiveCollection live, CancellationToken ct)
    {
        var restored = CollectionCodec.DecodeSnapshot(state, Policy);
        // The scratch journal is new for this drill, so there is nothing to read before writing (the read back is what counts).
        var stream = await scratch.OpenNewAsync(streamKey, ct).ConfigureAwait(false);
        var empty = new CollectionLedger(collection, Policy);
        var change = empty.PlanRestore(restored);
        await stream.AppendAsync(CollectionCodec.EncodeChange(change), ct).ConfigureAwait(false);
        empty.Apply(change);
        await stream.WriteSnapshotAsync(CollectionCodec.EncodeSnapshot(empty), ct).ConfigureAwait(false);

        var reopened = await scratch.OpenAsync(streamKey, ct).ConfigureAwait(false);
        var ledger = reopened.Snapshot is { } snapshot ? CollectionCodec.DecodeSnapshot(snapshot.Payload.Span, Policy) : new CollectionLedger(collection, Policy);
        foreach (var entry in reopened.Entries)
        {
            ledger.Apply(CollectionCodec.DecodeChange(entry.Payload.Span));
        }

        var digest = ledger.ComputeDigest();
        return digest == live.Digest ? null : $"restored into scratch storage, the digest is {digest[..12]}…, live {live.Digest[..12]}…";
    }

    private async Task RecordAsync(DrillVerdict verdict, bool wholeBackup, CancellationToken ct)
    {
        var record = new VerificationRecord
        {
            BackupPoint = verdict.BackupPoint,
            FinishedAt = DateTimeOffset.UtcNow,
            Passed = verdict.Verified && wholeBackup,
            Collections = verdict.Matched + verdict.Differed,
            Matched = verdict.Matched,
            Differed = verdict.Differed,
            Differences = verdict.Differences.Take(100).ToArray(),
        };

        // A drill of one account verifies only that account: it is not a verification of the backup as a whole.
        if (!wholeBackup && verdict.Verified)
        {
            return;
        }

        await store.WriteRecordAsync(VerificationRecord.LatestName, record.ToJson(), ct).ConfigureAwait(false);
        if (record.Passed)
        {
            await store.WriteRecordAsync(VerificationRecord.LastVerifiedName, record.ToJson(), ct).ConfigureAwait(false);
        }
    }

    private async Task DeleteScratchAsync(string prefix)
    {
        try
        {
            await store.DeleteJournalAsync(prefix).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException ex)
        {
            await output.WriteLineAsync($"[drill] could not delete the scratch storage {prefix}*: {ex.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>One collection to verify, or (<paramref name="LiveOnly"/>) the account's collections the backup lacks.</summary>
    private sealed record DrillItem(string Account, string? Collection, int? Generation, bool LiveOnly);
}
