namespace DeviceSync.Grains.Storage;

/// <summary>
/// Read repair: brings each replica that answered an open up to the chosen history: the snapshot if it lacks
/// it, every chosen entry it lacks or holds in another version, and removal of stray rows after the history's end
/// (left behind a gap, they would fence every future append). Best effort: failures are logged, never thrown.
/// </summary>
internal static class ReplicaRepairer
{
    private const int ParallelWritesPerReplica = 8;

    /// <summary>Missing entries handed to one <see cref="JournalReplica.RepairMissingAsync"/> (itself split into transactions of 100).</summary>
    private const int MissingPerRequest = 500;

    /// <returns>One outcome per view: complete when nothing failed (every write landed or was already there).</returns>
    public static async Task<ReplicaRepairOutcome[]> RepairAsync(
        AzureJournalStore store,
        string streamKey,
        string partitionKey,
        IReadOnlyList<ReplicaView> views,
        ResolvedHistory history,
        byte[]? snapshotState,
        IReadOnlyList<byte[]> payloads)
    {
        return await Task.WhenAll(views.Select(view => Task.Run(() => RepairReplicaAsync(store, streamKey, partitionKey, view, history, snapshotState, payloads))))
            .ConfigureAwait(false);
    }

    private static async Task<ReplicaRepairOutcome> RepairReplicaAsync(
        AzureJournalStore store,
        string streamKey,
        string partitionKey,
        ReplicaView view,
        ResolvedHistory history,
        byte[]? snapshotState,
        IReadOnlyList<byte[]> payloads)
    {
        var replica = store.Replicas[view.Replica];
        var snapshots = 0;
        var entries = 0;
        var removed = 0;
        var lostRaces = 0;
        var complete = false;
        try
        {
            if (history.Snapshot is { } snapshot && snapshotState is not null && !snapshot.Holders.Contains(view.Replica))
            {
                await replica.UploadSnapshotAsync(snapshot.Info, snapshotState).ConfigureAwait(false);
                snapshots++;
                await replica.CompactAsync(partitionKey, snapshot.Info).ConfigureAwait(false);
            }

            var held = view.Entries.ToDictionary(e => e.Sequence);
            var work = history.Entries
                .Select((chosen, i) => (Chosen: chosen.Entry, Payload: payloads[i], Held: held.GetValueOrDefault(chosen.Entry.Sequence)))
                .Where(w => w.Held is null || w.Held.EntryId != w.Chosen.EntryId)
                .ToList();
            // Entries it lacks outright go in transactions (a wiped replica lacks everything); a batch that meets a row
            // already there (a writer's catch-up raced us) is redone one by one below, where each insert is checked.
            var oneByOne = work.Where(w => w.Held is not null).ToList();
            foreach (var batch in work.Where(w => w.Held is null).Chunk(MissingPerRequest))
            {
                if (await replica.RepairMissingAsync(partitionKey, batch.Select(w => (w.Chosen, w.Payload)).ToArray()).ConfigureAwait(false))
                {
                    entries += batch.Length;
                }
                else
                {
                    oneByOne.AddRange(batch);
                }
            }

            await Parallel.ForEachAsync(
                oneByOne,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelWritesPerReplica },
                async (w, _) =>
                {
                    if (await replica.RepairEntryAsync(partitionKey, w.Chosen, w.Payload, w.Held).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref entries);
                    }
                    else
                    {
                        Interlocked.Increment(ref lostRaces); // someone wrote that row meanwhile: not known to be ours
                    }
                }).ConfigureAwait(false);

            if (snapshots + entries > 0 || (history.LastSequence > 0 && !view.HasGenesis))
            {
                await replica.EnsureGenesisAsync(partitionKey).ConfigureAwait(false);
            }

            foreach (var stray in view.Entries.Where(e => e.Sequence > history.LastSequence))
            {
                await replica.DeleteEntryAsync(partitionKey, stray.Sequence, stray.ETag).ConfigureAwait(false);
                removed++;
            }

            complete = lostRaces == 0;
        }
        catch (Exception ex)
        {
            StorageTelemetry.ReplicaFailures.Add(
                1,
                new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, view.Replica),
                new KeyValuePair<string, object?>(StorageTelemetry.OperationTag, "repair"));
            Log.RepairFailed(store.Logger, ex, view.Replica, streamKey);
        }

        if (snapshots + entries + removed > 0)
        {
            StorageTelemetry.Repairs.Add(snapshots + entries, new KeyValuePair<string, object?>(StorageTelemetry.ReplicaTag, view.Replica));
            replica.Health.RecordRepairs(snapshots + entries);
            Log.Repaired(store.Logger, view.Replica, streamKey, entries, snapshots, removed);
        }

        return new ReplicaRepairOutcome(view.Replica, complete, snapshots + entries);
    }
}
