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
public sealed class RestoreDrill(BackupStore store, AdminClient admin, TimeSpan wait, TextWriter output)
{
    private const int Parallelism = 4;
    private static readonly SyncPolicy Policy = new();

    public async Task<DrillVerdict> RunAsync(string? accountId, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var prefix = accountId is null ? "collection/" : JournalStreams.ForCollection(accountId, "");
        var streams = await store.ListStreamsAsync(prefix, ct).ConfigureAwait(false);
        var byAccount = streams
            .Select(s => (s.StreamKey, Parts: s.StreamKey["collection/".Length..].Split('/', 2)))
            .Where(s => s.Parts.Length == 2)
            .GroupBy(s => s.Parts[0], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

        var reader = new BackupReader(store);
        var differences = new List<string>();
        var matched = 0;
        var scratchPrefix = "drill" + Guid.NewGuid().ToString("N")[..10];
        var scratch = store.OpenScratchJournal(scratchPrefix);
        try
        {
            // A few accounts at once: each collection costs a handful of small requests to the gateway and the backup store.
            await Parallel.ForEachAsync(byAccount, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (account, token) =>
            {
                var live = await admin.DigestsAsync(account.Key, token).ConfigureAwait(false);

                // Every collection either side knows: one the live system has and the backup lacks is a difference too.
                var backedUp = account.Select(s => s.Parts[1]).ToHashSet(StringComparer.Ordinal);
                var toCheck = account.Select(s => (s.StreamKey, Collection: s.Parts[1]))
                    .Concat(live.Keys.Where(c => !backedUp.Contains(c)).Order(StringComparer.Ordinal).Select(c => (StreamKey: JournalStreams.ForCollection(account.Key, c), Collection: c)));
                foreach (var (streamKey, collection) in toCheck)
                {
                    var problem = live.TryGetValue(collection, out var liveCollection)
                        ? await VerifyAsync(reader, scratch, streamKey, collection, liveCollection, token).ConfigureAwait(false)
                        : "the live system does not list this collection";
                    if (problem is null)
                    {
                        Interlocked.Increment(ref matched);
                    }
                    else
                    {
                        lock (differences)
                        {
                            differences.Add($"{account.Key}/{collection}: {problem}");
                        }

                        await output.WriteLineAsync($"[drill] differs: {account.Key}/{collection}: {problem}").ConfigureAwait(false);
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
    private async Task<string?> VerifyAsync(BackupReader reader, AzureJournalStore scratch, string streamKey, string collection, AdminClient.LiveCollection live, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            BackupImage? image;
            try
            {
                image = await reader.ReadAsync(streamKey, to: null, ct).ConfigureAwait(false);
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
        var stream = await scratch.OpenAsync(streamKey, ct).ConfigureAwait(false);
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
}
