using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Grains.Storage;
using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// The blob containers <c>{prefix}-blobs</c> of the storage replicas, as the silos see them: only to delete collected bytes
/// (the gateway writes and reads them, ADR 0007). Uses the connection strings' shared key: a delete is rare, so the SAS
/// signing the journal uses for its per-request cost does not pay here.
/// </summary>
public sealed class BlobBytesOnReplicas
{
    private readonly BlobContainerClient[] _containers;

    public BlobBytesOnReplicas(IOptions<ReplicationOptions> options)
    {
        var storage = options.Value;
        var clientOptions = new BlobClientOptions();
        // One quick retry: a dead replica must not hold up a collection pass (its delete is retried at the next pass).
        clientOptions.Retry.MaxRetries = 1;
        clientOptions.Retry.Mode = Azure.Core.RetryMode.Fixed;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(50);
        clientOptions.Retry.NetworkTimeout = storage.ReplicaTimeout;
        var containerName = storage.TablePrefix.ToLowerInvariant() + "-blobs";
        _containers = [.. storage.Replicas.Select(connection => new BlobServiceClient(connection, clientOptions).GetBlobContainerClient(containerName))];
    }

    public int Count => _containers.Length;

    /// <summary>
    /// Deletes one account's copy of a blob on every replica. True when no replica holds it any more (deleted, or it was not
    /// there); false when some replica could not be reached (the caller keeps the deletion pending and retries).
    /// </summary>
    public async Task<bool> DeleteAsync(string accountId, string sha256, CancellationToken cancellationToken)
    {
        var name = BlobNames.ForAccount(accountId, sha256);
        var results = await Task.WhenAll(_containers.Select(async container =>
        {
            try
            {
                await container.GetBlobClient(name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return true; // a wiped replica: nothing to delete
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is RequestFailedException or AggregateException or IOException or TaskCanceledException)
            {
                return false;
            }
        })).ConfigureAwait(false);
        return results.All(deleted => deleted);
    }
}
