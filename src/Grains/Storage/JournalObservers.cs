using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// Calls the registered <see cref="IJournalObserver"/>s from the journal, so that an observer's failure is logged
/// here and can never reach the write path that reported to it.
/// </summary>
internal sealed class JournalObservers(IJournalObserver[] observers, ILogger logger)
{
    public static JournalObservers? Combine(IEnumerable<IJournalObserver> observers, ILogger logger)
    {
        var all = observers?.ToArray() ?? [];
        return all.Length == 0 ? null : new JournalObservers(all, logger);
    }

    public void Appended(string streamKey, JournalCommit entry) =>
        Each(streamKey, o => o.OnAppended(streamKey, entry));

    public void SnapshotWritten(string streamKey, long sequence, Guid lastEntryId, byte[] state) =>
        Each(streamKey, o => o.OnSnapshotWritten(streamKey, sequence, lastEntryId, state));

    public void Opened(string streamKey, ResolvedHistory history, JournalSnapshot? snapshot, byte[][] payloads)
    {
        var entries = history.Entries
            .Select((e, i) => new JournalCommit(e.Entry.Sequence, e.Entry.EntryId, payloads[i], e.Entry.Timestamp))
            .ToArray();
        var opened = new JournalOpened(
            streamKey,
            history.Snapshot?.Info.Sequence ?? 0,
            history.Snapshot?.Info.LastEntryId ?? Guid.Empty,
            snapshot?.Payload,
            entries);
        Each(streamKey, o => o.OnOpened(opened));
    }

    private void Each(string streamKey, Action<IJournalObserver> call)
    {
        foreach (var observer in observers)
        {
            try
            {
                call(observer);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(logger, ex, observer.GetType().Name, streamKey);
            }
        }
    }
}
