using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using DeviceSync.Contracts.Blobs;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// Blobs when a storage replica is lost: uploads and downloads go on with one replica of three down, a wiped replica
/// is refilled by reads (read repair), and every upload reaches the backup store. Replica 0 holds the cluster
/// membership, so these tests lose replicas 1 and 2.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class BlobReplicaFailureTests(ITestOutputHelper output)
    : ClusterTest(output, new LocalClusterOptions { Silos = 1 })
{
    [Fact]
    public async Task With_one_replica_killed_uploads_and_downloads_work_and_the_backup_gets_a_copy()
    {
        var device = await Client.NewAccountAsync("blobdown");
        var before = RandomNumberGenerator.GetBytes(3_000_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, before));

        Cluster.Replicas[2].Kill();

        var during = RandomNumberGenerator.GetBytes(5_000_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, during));
        // Reads start at a rotating replica: six reads of each try the dead one first at least once.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(before, await GetAsync(device, Sha(before)));
            Assert.Equal(during, await GetAsync(device, Sha(during)));
        }

        Assert.Equal(HttpStatusCode.OK, await PutAsync(device, during));

        var backup = new BlobServiceClient(Cluster.Backup!.ConnectionString).GetBlobContainerClient(Cluster.TablePrefix.ToLowerInvariant() + "-backup-blobs");
        await Eventually.WaitAsync(
            async () => await backup.GetBlobClient("sha256/" + Sha(before)).ExistsAsync() && await backup.GetBlobClient("sha256/" + Sha(during)).ExistsAsync(),
            TimeSpan.FromSeconds(60),
            "the backup store did not get both blobs within a minute");
        var copy = (await backup.GetBlobClient("sha256/" + Sha(during)).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(during, copy);
    }

    [Fact]
    public async Task A_wiped_replica_is_refilled_by_reads()
    {
        var device = await Client.NewAccountAsync("blobwipe");
        var bytes = RandomNumberGenerator.GetBytes(2_500_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));

        await Cluster.Replicas[1].WipeAsync();
        var wiped = new BlobServiceClient(Cluster.Replicas[1].ConnectionString)
            .GetBlobContainerClient(Cluster.TablePrefix.ToLowerInvariant() + "-blobs").GetBlobClient(BlobNames.ForAccount(device.AccountId, Sha(bytes)));
        Assert.False(await wiped.ExistsAsync());

        // Every read is served (by a replica that holds it); one that met the wiped replica first copies the blob back.
        await Eventually.WaitAsync(
            async () =>
            {
                Assert.Equal(bytes, await GetAsync(device, Sha(bytes)));
                return await wiped.ExistsAsync();
            },
            TimeSpan.FromSeconds(60),
            "reads did not refill the wiped replica within a minute");
        Assert.Equal(bytes, (await wiped.DownloadContentAsync()).Value.Content.ToArray());
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<HttpStatusCode> PutAsync(E2eDevice device, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/" + Sha(bytes)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", device.Token);
        using var response = await Client.Http.SendAsync(request);
        Output.WriteLine($"PUT {bytes.Length} bytes: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.StatusCode;
    }

    private async Task<byte[]> GetAsync(E2eDevice device, string sha)
    {
        using var response = await Client.SendAsync(HttpMethod.Get, "/v1/blobs/" + sha, device.Token);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {sha}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }
}
