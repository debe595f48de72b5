namespace DeviceSync.Grains.Storage;

/// <summary>
/// Chooses one consistent history from the replicas' views (pure; no I/O). The newest snapshot any replica has,
/// then for each following sequence the version held by the most healthy replicas, then by the most replicas (ties:
/// the one the next sequence's versions continue, then the one continuing the chosen predecessor, then the later
/// write), up to the first gap.
/// </summary>
/// <remarks>
/// Healthy holders count first because an unhealed replica's acknowledgement never counted: a version only unhealed
/// replicas hold was never acknowledged while they held it. Found by the two-replicas-wiped fault case: entries 88–94
/// acknowledged by the two replicas then wiped reached the lagging healthy one by a late catch-up, after an open had
/// read it without them; that activation's next append (a new 88) landed only on the two wiped ones. By plain count
/// the new 88 won two to one, and the old 89–95 after it no longer followed: the collection could not load.
/// </remarks>
internal static class JournalHistoryResolver
{
    /// <param name="healthy">The replicas whose answers counted toward the read quorum; null: all of them.</param>
    public static ResolvedHistory Resolve(IReadOnlyList<ReplicaView> views, IReadOnlySet<int>? healthy = null)
    {
        var snapshot = views
            .SelectMany(v => v.Snapshots.Select(s => (v.Replica, Snapshot: s)))
            .GroupBy(x => (x.Snapshot.Sequence, x.Snapshot.LastEntryId))
            .OrderByDescending(g => g.Key.Sequence)
            .ThenByDescending(g => g.Select(x => x.Replica).Distinct().Count())
            .Select(g => new ResolvedSnapshot(g.First().Snapshot, g.Select(x => x.Replica).Distinct().ToArray()))
            .FirstOrDefault();

        var baseSequence = snapshot?.Info.Sequence ?? 0;
        var previousId = snapshot?.Info.LastEntryId ?? Guid.Empty;

        var bySequence = views
            .SelectMany(v => v.Entries.Where(e => e.Sequence > baseSequence).Select(e => (v.Replica, Entry: e)))
            .GroupBy(x => x.Entry.Sequence)
            .ToDictionary(
                g => g.Key,
                g => g.GroupBy(x => x.Entry.EntryId)
                    .Select(versions => new ResolvedEntry(versions.First().Entry, versions.Select(x => x.Replica).Distinct().ToArray()))
                    .ToList());

        var chosen = new List<ResolvedEntry>();
        var chainBreaks = new List<long>();
        var sequence = baseSequence + 1;
        for (; bySequence.TryGetValue(sequence, out var candidates); sequence++)
        {
            bySequence.TryGetValue(sequence + 1, out var successors);
            var expectedPrevious = previousId;
            var pick = candidates
                .OrderByDescending(c => healthy is null ? c.Holders.Count : c.Holders.Count(healthy.Contains))
                .ThenByDescending(c => c.Holders.Count)
                .ThenByDescending(c => successors?.Exists(s => s.Entry.PreviousEntryId == c.Entry.EntryId) == true)
                .ThenByDescending(c => c.Entry.PreviousEntryId == expectedPrevious)
                .ThenByDescending(c => c.Entry.Timestamp ?? DateTimeOffset.MinValue)
                .ThenBy(c => c.Entry.EntryId)
                .First();

            if (pick.Entry.PreviousEntryId != previousId)
            {
                chainBreaks.Add(sequence);
            }

            chosen.Add(pick);
            previousId = pick.Entry.EntryId;
        }

        var ignored = bySequence.Keys.Where(k => k > sequence).DefaultIfEmpty(0).Min();
        return new ResolvedHistory(snapshot, chosen, chainBreaks, ignored);
    }
}
