using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using DeviceSync.Contracts.Blobs;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// The blob container on one storage replica. Blobs are stored per account (<see cref="BlobNames.ForAccount"/>, ADR 0009),
/// under their hash; which account may read them is still the blob index's decision, never storage's. A name is only ever
/// committed with bytes whose hash was verified, so a committed blob is always the right bytes.
/// </summary>
internal sealed class BlobReplica
{
    private readonly BlobContainerClient _container;
    private readonly Lock _gate = new();
    private Task? _created;

    public BlobReplica(int index, string connectionString, string containerName, TimeSpan timeout)
    {
        Index = index;
        var options = new BlobClientOptions();
        // Few, quick retries: a dead replica must not hold up the others (the caller goes on with the rest).
        options.Retry.MaxRetries = 1;
        options.Retry.Mode = Azure.Core.RetryMode.Fixed;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        options.Retry.NetworkTimeout = timeout;
        _container = new BlobServiceClient(connectionString, options).GetBlobContainerClient(containerName);
    }

    public int Index { get; }

    public BlockBlobClient Blob(string name) => _container.GetBlockBlobClient(name);

    /// <summary>Stages one block; invisible to every reader until a commit names it. Recreates a lost container (a wiped replica).</summary>
    public Task StageAsync(string name, string blockId, byte[] buffer, int count, CancellationToken cancellationToken) =>
        WithContainerAsync(async () =>
        {
            using var content = new MemoryStream(buffer, 0, count, writable: false);
            await Blob(name).StageBlockAsync(blockId, content, new BlockBlobStageBlockOptions(), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Makes the staged blocks the blob, unless the blob already exists: then it is already these bytes (content-addressed,
    /// only verified bytes are ever committed) and is left as it is, so a reader streaming it is never disturbed.
    /// </summary>
    public async Task CommitAsync(string name, IReadOnlyList<string> blockIds, long length, CancellationToken cancellationToken)
    {
        try
        {
            await Blob(name).CommitBlockListAsync(
                blockIds,
                new CommitBlockListOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 400)
        {
            // Already there (another upload of the same bytes committed first, which also discards our staged blocks).
            var properties = await Blob(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (properties.Value.ContentLength != length)
            {
                throw new InvalidDataException($"Replica {Index} holds blob {name} with {properties.Value.ContentLength} bytes, not {length}.", ex);
            }
        }
    }

    /// <summary>True when the blob is committed here (a missing container counts as missing).</summary>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Blob(name).ExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return false;
        }
    }

    /// <summary>Every committed blob name here (a missing container: none, a wiped replica). Throws when the replica cannot be listed.</summary>
    public async Task<HashSet<string>> ListNamesAsync(CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var blob in _container.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                names.Add(blob.Name);
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            names.Clear();
        }

        return names;
    }

    private async Task WithContainerAsync(Func<Task> request, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await request().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // The replica was wiped since we created the container: create it again and retry once.
            lock (_gate)
            {
                _created = null;
            }

            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            await request().ConfigureAwait(false);
        }
    }

    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_created is { IsFaulted: false, IsCanceled: false } created)
            {
                return created;
            }

            return _created = _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }
}
