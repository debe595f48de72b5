using Azure.Storage.Blobs;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Grains.Tests.Cluster;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Blobs;

/// <summary>
/// The fence between a collection and an upload of the same hash (ADR 0009), on a real cluster over three Azurite replicas:
/// an upload whose commit may have found the old bytes is never recorded once the collection deleted them, and an upload
/// that begins while a deletion is still pending stops it. The bytes are written here as the gateway writes them.
/// </summary>
public sealed class BlobGcFenceTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    // The sweeper is off so that only these tests run passes.
    private readonly GrainCluster _cluster = new(new Dictionary<string, string>
    {
        ["Blobs:Gc:GracePeriod"] = "00:00:01",
        ["Storage:Sweep:Enabled"] = "false",
    });

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task An_upload_that_began_before_its_blob_was_collected_is_refused_and_its_retry_stored()
    {
        var account = "fence-" + Guid.NewGuid().ToString("N")[..8];
        var sha = new string('a', 64);
        var index = _cluster.Grains.GetGrain<IBlobIndexGrain>(account);
        var first = await index.BeginUploadAsync(sha);
        await WriteBytesAsync(account, sha);
        Assert.Equal(BlobUploadOutcome.Created, await index.RecordUploadAsync(Record(sha), first));

        // A device uploads the same bytes again: its commit finds them committed and counts them. Before it records them,
        // two passes a grace period apart collect the blob (the first skips it: an upload began in this activation).
        var late = await index.BeginUploadAsync(sha);
        await CollectUntilAsync(index, r => r.Collected == 1);
        await AssertBytesAsync(account, sha, expected: false);

        Assert.Equal(BlobUploadOutcome.CollectedWhileUploading, await index.RecordUploadAsync(Record(sha), late));
        Assert.Null(await index.FindAsync(sha));

        // The device's retry begins after the collection, commits anew, and is recorded.
        var retry = await index.BeginUploadAsync(sha);
        await WriteBytesAsync(account, sha);
        Assert.Equal(BlobUploadOutcome.Created, await index.RecordUploadAsync(Record(sha), retry));
        Assert.NotNull(await index.FindAsync(sha));
        await AssertBytesAsync(account, sha, expected: true);
    }

    [Fact]
    public async Task An_upload_that_begins_while_a_deletion_is_pending_stops_it()
    {
        var account = "pend-" + Guid.NewGuid().ToString("N")[..8];
        var sha = new string('b', 64);
        var index = _cluster.Grains.GetGrain<IBlobIndexGrain>(account);
        Assert.Equal(BlobUploadOutcome.Created, await index.RecordUploadAsync(Record(sha), await index.BeginUploadAsync(sha)));
        await WriteBytesAsync(account, sha);

        // One replica is down: the collection deletes the bytes on the other two and keeps the third pending.
        await _cluster.Replicas[2].StopAsync();
        try
        {
            await CollectUntilAsync(index, r => r.Collected == 1);
            var pending = await index.FindUnreferencedAsync();
            Assert.Equal(1, pending.PendingDeletes);

            // An upload begins: the deletion stops before the upload's commit can find the third replica's copy.
            var ticket = await index.BeginUploadAsync(sha);
            Assert.Equal(0, (await index.FindUnreferencedAsync()).PendingDeletes);
            await _cluster.Replicas[2].RestartAsync();
            await WriteBytesAsync(account, sha);
            Assert.Equal(BlobUploadOutcome.Created, await index.RecordUploadAsync(Record(sha), ticket));
        }
        finally
        {
            if (!_cluster.Replicas[2].IsRunning)
            {
                await _cluster.Replicas[2].RestartAsync();
            }
        }

        // Later passes delete nothing: the blob is recorded again (and unreferenced only since now).
        var report = await index.CollectGarbageAsync();
        Assert.Equal(0, report.PendingDeletes);
        await AssertBytesAsync(account, sha, expected: true);
    }

    private static BlobRecord Record(string sha) => new() { Sha256 = sha, ContentType = "image/jpeg", Length = 3 };

    private static async Task CollectUntilAsync(IBlobIndexGrain index, Func<BlobCollectionReport, bool> done)
    {
        BlobCollectionReport? last = null;
        await Eventually.WaitAsync(
            async () => done(last = await index.CollectGarbageAsync()),
            TimeSpan.FromSeconds(60),
            "no pass collected the blob");
        Assert.NotNull(last);
    }

    private BlobContainerClient Container(int replica) =>
        new BlobServiceClient(_cluster.Replicas.ConnectionStrings[replica]).GetBlobContainerClient(_cluster.TablePrefix.ToLowerInvariant() + "-blobs");

    /// <summary>Commits the bytes on every replica (the blob's content is not what these tests are about), or leaves an existing copy.</summary>
    private async Task WriteBytesAsync(string account, string sha)
    {
        for (var r = 0; r < _cluster.Replicas.Count; r++)
        {
            var container = Container(r);
            await container.CreateIfNotExistsAsync();
            var blob = container.GetBlobClient(BlobNames.ForAccount(account, sha));
            if (!await blob.ExistsAsync())
            {
                await blob.UploadAsync(new BinaryData(new byte[] { 1, 2, 3 }));
            }
        }
    }

    private async Task AssertBytesAsync(string account, string sha, bool expected)
    {
        for (var r = 0; r < _cluster.Replicas.Count; r++)
        {
            Assert.True(expected == await Container(r).GetBlobClient(BlobNames.ForAccount(account, sha)).ExistsAsync(), $"replica {r}: expected the bytes {(expected ? "present" : "gone")}");
        }
    }
}
