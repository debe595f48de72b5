using System.Collections.Concurrent;
using DeviceSync.Contracts;
using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// Runs blob garbage collection in the background: after each repair sweep (so on one silo of the cluster at a time, and
/// with no scan of its own: the sweep already listed every stream), each account whose blob index stream the sweep found
/// and that was not passed over within <see cref="BlobGcOptions.ScanInterval"/> gets one pass, one account at a time.
/// When each account was last passed over is kept in memory: a new sweeper silo passes over every account again, which is
/// harmless (a pass never collects before the grace period, whatever the interval).
/// </summary>
public sealed class BlobCollector(IGrainFactory grains, IOptions<BlobGcOptions> options, TimeProvider time, ILogger<BlobCollector> logger) : IStreamCopyAudit
{
    private const string BlobIndexPrefix = "blobs/";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastPass = new(StringComparer.Ordinal);

    public async Task AuditAsync(
        DateTimeOffset scannedAt,
        IReadOnlyList<LiveStreamTail> streams,
        Func<string, CancellationToken, Task<JournalRepairResult>> readThroughOwner,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (!options.Value.Enabled)
        {
            return;
        }

        foreach (var stream in streams)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!stream.StreamKey.StartsWith(BlobIndexPrefix, StringComparison.Ordinal) || stream.StreamKey.Length == BlobIndexPrefix.Length)
            {
                continue;
            }

            var accountId = stream.StreamKey[BlobIndexPrefix.Length..];
            var now = time.GetUtcNow();
            if (_lastPass.TryGetValue(accountId, out var last) && now - last < options.Value.ScanInterval)
            {
                continue;
            }

            try
            {
                await grains.GetGrain<IBlobIndexGrain>(accountId).CollectGarbageAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                _lastPass[accountId] = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PassFailed(logger, ex, accountId);
            }
        }
    }
}
