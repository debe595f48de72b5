namespace DeviceSync.Grains.Storage;

/// <summary>
/// A copy of the streams kept elsewhere (the backup store) that the sweeper checks after each sweep against the live tails
/// its scan found, so a stream whose copy fell behind (a silo crashed between the acknowledgement and the copy) catches up
/// even if nothing ever opens it again. It reuses the sweep's scan: an audit reads nothing of the replicas itself.
/// </summary>
public interface IStreamCopyAudit
{
    /// <summary>Checks the copy of every stream in <paramref name="streams"/> and completes the ones that lag.</summary>
    /// <param name="scannedAt">When the scan that found <paramref name="streams"/> ended: every sequence in it was written by then.</param>
    /// <param name="streams">Every stream the sweep scanned, with the highest sequence (row or snapshot) any replica holds.</param>
    /// <param name="readThroughOwner">Reads one stream through the grain that writes it, paced with the sweeper's repairs. The
    /// read tells the journal's observers what a quorum holds, as an open does (<see cref="IJournalObserver.OnOpened"/>), on the
    /// writer's own silo: that is what completes a lagging copy without racing the writer.</param>
    Task AuditAsync(
        DateTimeOffset scannedAt,
        IReadOnlyList<LiveStreamTail> streams,
        Func<string, CancellationToken, Task<JournalRepairResult>> readThroughOwner,
        CancellationToken cancellationToken);
}
