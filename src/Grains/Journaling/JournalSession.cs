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

    // The owner's state in the units entries are counted in (their payload bytes), when its snapshot payload is stored
    // smaller than that (a compressed snapshot); 0 when unknown. See StateBytes.
    private long _stateBytes;

    public string StreamKey => streamKey;

    /// <summary>
    /// Open and still trustworthy: a stream opened before storage declared a history loss is not, and the grain reloads
    /// (and answers the loss) before its next change instead of failing that change.
    /// </summary>
    public bool IsOpen => _stream is { IsBehindHistoryLoss: false };

    /// <summary>The history-loss generation the open stream was read under; 0 when none is open.</summary>
    public long HistoryLossGeneration => _stream?.HistoryLossGeneration ?? 0;

    /// <summary>
    /// The size the owner's state would have as entries (uncompressed), if its snapshots are stored compressed: set after a
    /// load from the decoded snapshot, and by <see cref="SnapshotIfDueAsync(Func{EncodedState}, CancellationToken)"/>. The
    /// snapshot trigger compares the bytes appended with this rather than with the compressed snapshot's size, which let a
    /// snapshot that compresses well be rewritten far more often than intended: for one collection of the harness's bulk
    /// pushes (4.4 MB of entries), 16 snapshots encoding 36 MB of JSON instead of 4 encoding 4.4 MB (docs/benchmarks.md,
    /// "Snapshots measured against their uncompressed size"). Cleared when the stream is reopened.
    /// </summary>
    public long StateBytes
    {
        get => _stateBytes;
        set => _stateBytes = Math.Max(0, value);
    }

    public async Task<JournalStream> OpenAsync(CancellationToken cancellationToken = default)
    {
        _stream = null;
        _stateBytes = 0;
        _stream = await store.OpenAsync(streamKey, cancellationToken);
        return _stream;
    }

    /// <summary>
    /// Takes the stream to be new without reading it (<see cref="IJournalStore.OpenNewAsync"/>): the first append
    /// proves it, or is fenced (<see cref="JournalFencedException"/>) and the owner opens the stream as usual.
    /// </summary>
    public async Task OpenNewAsync(CancellationToken cancellationToken = default)
    {
        _stream = null;
        _stateBytes = 0;
        _stream = await store.OpenNewAsync(streamKey, cancellationToken);
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
    public Task SnapshotIfDueAsync(Func<byte[]> encodeState, CancellationToken cancellationToken = default) =>
        SnapshotIfDueAsync(Uncompressed(encodeState), cancellationToken);

    /// <summary>The same, for an owner whose snapshot payload is smaller than its state (compressed): the encoder also
    /// says how big the state is uncompressed, and the next trigger compares with that.</summary>
    public async Task SnapshotIfDueAsync(Func<EncodedState> encodeState, CancellationToken cancellationToken = default)
    {
        if (_stream is not { } stream
            || stream.BytesSinceSnapshot < Math.Max(MinimumSnapshotTriggerBytes, Math.Max(stream.LastSnapshotBytes, _stateBytes)))
        {
            return;
        }

        await WriteSnapshotAsync(stream, encodeState, cancellationToken);
    }

    /// <summary>Writes a snapshot now (after a restore, so the next open need not replay the whole restored state from the
    /// journal entry and the rows before it are compacted). A failure is logged: the journal still holds everything.</summary>
    public Task SnapshotNowAsync(Func<byte[]> encodeState, CancellationToken cancellationToken = default) =>
        SnapshotNowAsync(Uncompressed(encodeState), cancellationToken);

    public async Task SnapshotNowAsync(Func<EncodedState> encodeState, CancellationToken cancellationToken = default)
    {
        if (_stream is not { } stream)
        {
            return;
        }

        await WriteSnapshotAsync(stream, encodeState, cancellationToken);
    }

    private async Task WriteSnapshotAsync(JournalStream stream, Func<EncodedState> encodeState, CancellationToken cancellationToken)
    {
        try
        {
            var encoded = encodeState();
            await stream.WriteSnapshotAsync(encoded.Payload, cancellationToken);
            StateBytes = encoded.StateBytes;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SnapshotFailed(logger, ex, streamKey, stream.LastSequence);
        }
    }

    /// <summary>An owner whose snapshot is stored as encoded: its state is as big as its payload.</summary>
    private static Func<EncodedState> Uncompressed(Func<byte[]> encodeState) => () =>
    {
        var payload = encodeState();
        return new EncodedState(payload, payload.Length);
    };
}
