using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Journaling;

/// <summary>
/// One grain's handle on its journal stream. After any failed append the grain's memory may disagree with
/// storage (the entry may or may not have reached some replicas), so the handle is dropped and the next request
/// rebuilds state from a quorum read. A fenced append means another activation wrote first: same remedy.
/// </summary>
public sealed class JournalSession(IJournalStore store, string streamKey, ILogger logger)
{
    /// <summary>Snapshots are written when the journal since the last one reaches this, or the last snapshot's size,
    /// whichever is larger: snapshot cost stays proportional to the bytes appended, so a one-item push stays O(1) amortised.</summary>
    public const long MinimumSnapshotTriggerBytes = 256 * 1024;

    private JournalStream? _stream;

    public string StreamKey => streamKey;

    /// <summary>
    /// Open and still trustworthy: a stream opened before storage declared a history loss is not, and the grain reloads
    /// (and answers the loss) before its next change instead of failing that change.
    /// </summary>
    public bool IsOpen => _stream is { IsBehindHistoryLoss: false };

    /// <summary>The history-loss generation the open stream was read under; 0 when none is open.</summary>
    public long HistoryLossGeneration => _stream?.HistoryLossGeneration ?? 0;

    public async Task<JournalStream> OpenAsync(CancellationToken cancellationToken = default)
    {
        _stream = null;
        _stream = await store.OpenAsync(streamKey, cancellationToken);
        return _stream;
    }

    public void Close() => _stream = null;

    public async Task AppendAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        var stream = _stream ?? throw new InvalidOperationException($"Journal '{streamKey}' is not open.");
        try
        {
            await stream.AppendAsync(payload, cancellationToken);
        }
        catch
        {
            _stream = null;
            throw;
        }
    }

    /// <summary>Writes a snapshot when enough journal has accumulated. A failed snapshot is not a failed commit: the journal still holds everything.</summary>
    public async Task SnapshotIfDueAsync(Func<byte[]> encodeState, CancellationToken cancellationToken = default)
    {
        if (_stream is not { } stream || stream.BytesSinceSnapshot < Math.Max(MinimumSnapshotTriggerBytes, stream.LastSnapshotBytes))
        {
            return;
        }

        try
        {
            await stream.WriteSnapshotAsync(encodeState(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SnapshotFailed(logger, ex, streamKey, stream.LastSequence);
        }
    }

    /// <summary>Writes a snapshot now (after a restore, so the next open need not replay the whole restored state from the
    /// journal entry and the rows before it are compacted). A failure is logged: the journal still holds everything.</summary>
    public async Task SnapshotNowAsync(Func<byte[]> encodeState, CancellationToken cancellationToken = default)
    {
        if (_stream is not { } stream)
        {
            return;
        }

        try
        {
            await stream.WriteSnapshotAsync(encodeState(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SnapshotFailed(logger, ex, streamKey, stream.LastSequence);
        }
    }
}
