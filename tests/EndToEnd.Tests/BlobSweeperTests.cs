using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using DeviceSync.Contracts.Blobs;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// The blob sweeper (src/Gateway/Blobs/BlobSweeper.cs): a wiped replica refills without a single read, so a second
/// replica lost afterwards loses nothing; and its backup reconcile gives every blob on the replicas a backup copy. Replica 0 holds the cluster membership, so the test wipes replica 1 and kills
/// replica 2; every blob is then read from the refilled replica itself and through the gateway.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class BlobSweeperTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions
    {
        Silos = 1,
        GatewaySettings = new Dictionary<string, string> { ["Blobs:Sweep:Interval"] = "00:00:01", ["Blobs:Sweep:MaxCopiesPerSecond"] = "20" },
    })
{
    [Fact]
    public async Task A_wiped_replica_is_refilled_by_the_sweeper_without_reads_and_survives_the_loss_of_another()
    {
        var device = await Client.NewAccountAsync("blobsweep");
        var blobs = Enumerable.Range(0, 12).Select(i => RandomNumberGenerator.GetBytes(i == 0 ? 3_000_000 : 20_000 + i)).ToList();
        foreach (var bytes in blobs)
        {
            Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));
        }

        await Cluster.Replicas[1].WipeAsync();
        var wiped = new BlobServiceClient(Cluster.Replicas[1].ConnectionString).GetBlobContainerClient(Cluster.TablePrefix.ToLowerInvariant() + "-blobs");

        // No reads: only the sweeper can put them back.
        await Eventually.WaitAsync(
            async () =>
            {
                foreach (var bytes in blobs)
                {
                    if (!await wiped.GetBlobClient(BlobNames.ForAccount(device.AccountId, Sha(bytes))).ExistsAsync())
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(120),
            "the sweeper did not refill the wiped replica within two minutes");

        Cluster.Replicas[2].Kill();
        foreach (var bytes in blobs)
        {
            var copy = (await wiped.GetBlobClient(BlobNames.ForAccount(device.AccountId, Sha(bytes))).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(bytes, copy);
            Assert.Equal(bytes, await GetAsync(device, Sha(bytes)));
        }
    }

    [Fact]
    public async Task A_blob_whose_backup_copy_was_lost_with_a_gateway_gets_one_from_the_reconcile()
    {
        // As a gateway that crashed after committing an upload on the replicas, with the backup copy still in its queue:
        // the bytes are on every replica (written here directly) and in no backup.
        var bytes = RandomNumberGenerator.GetBytes(400_000);
        var name = BlobNames.ForAccount("crashed-gateway", Sha(bytes));
        for (var r = 0; r < Cluster.Replicas.Count; r++)
        {
            var container = new BlobServiceClient(Cluster.Replicas[r].ConnectionString).GetBlobContainerClient(Cluster.TablePrefix.ToLowerInvariant() + "-blobs");
            await container.CreateIfNotExistsAsync();
            // The sweeper may already have copied it here from a replica written a moment ago; the bytes are the same.
            await container.GetBlobClient(name).UploadAsync(new BinaryData(bytes), overwrite: true);
        }

        var backup = new BlobServiceClient(Cluster.Backup!.ConnectionString)
            .GetBlobContainerClient(Cluster.TablePrefix.ToLowerInvariant() + "-backup-blobs").GetBlobClient(BlobNames.Shared(Sha(bytes)));
        await Eventually.WaitAsync(async () => await backup.ExistsAsync(), TimeSpan.FromSeconds(120), "the reconcile did not copy the blob to the backup");
        Assert.Equal(bytes, (await backup.DownloadContentAsync()).Value.Content.ToArray());
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<HttpStatusCode> PutAsync(E2eDevice device, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/" + Sha(bytes)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", device.Token);
        using var response = await Client.Http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<byte[]> GetAsync(E2eDevice device, string sha)
    {
        using var response = await Client.SendAsync(HttpMethod.Get, "/v1/blobs/" + sha, device.Token);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {sha}: {(int)response.StatusCode}");
        return body;
    }
}
