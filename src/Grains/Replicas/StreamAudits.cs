using DeviceSync.Grains.Storage;

namespace DeviceSync.Grains.Replicas;

/// <summary>
/// Every audit that reuses a sweep's scan (the backup's catch-up, blob garbage collection), run one after the other, so the
/// sweeper keeps taking one. One audit's failure does not keep the others from running.
/// </summary>
internal sealed class StreamAudits(IReadOnlyList<IStreamCopyAudit> audits) : IStreamCopyAudit
{
    public static IStreamCopyAudit? Combine(IEnumerable<IStreamCopyAudit> audits)
    {
        var all = audits.ToList();
        return all.Count switch
        {
            0 => null,
            1 => all[0],
            _ => new StreamAudits(all),
        };
    }

    public async Task AuditAsync(
        DateTimeOffset scannedAt,
        IReadOnlyList<LiveStreamTail> streams,
        Func<string, CancellationToken, Task<JournalRepairResult>> readThroughOwner,
        CancellationToken cancellationToken)
    {
        List<Exception>? failures = null;
        foreach (var audit in audits)
        {
            try
            {
                await audit.AuditAsync(scannedAt, streams, readThroughOwner, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("A sweep audit failed.", failures);
        }
    }
}
