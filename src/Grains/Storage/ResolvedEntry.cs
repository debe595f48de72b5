namespace DeviceSync.Grains.Storage;

/// <summary>The version of one sequence chosen at open and the replicas that hold exactly that version.</summary>
internal sealed record ResolvedEntry(JournalEntry Entry, IReadOnlyList<int> Holders);
