using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Testing;
using Xunit.Abstractions;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// Blob garbage collection (ADR 0009) over real HTTP, real silos and three Azurite replicas, with a grace period of
/// seconds. The background collector runs too (after every sweep), so the tests assert what must hold whoever scans:
/// nothing referenced is ever collected, nothing before its grace period; an unreferenced blob goes, with its bytes.
/// A control blob that nothing refers to, uploaded alongside, proves that a pass past the grace period did run.
/// </summary>
[Collection(BlobGcClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class BlobGcApiTests(BlobGcCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly ApiClient _api = new(() => cluster.Http);

    [Fact]
    public async Task An_unreferenced_blob_outlives_its_grace_period_then_goes_with_its_bytes_and_can_be_uploaded_again()
    {
        var device = await _api.NewDeviceAsync("gcone");
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var sha = Sha(bytes);
        var sinceUpload = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));

        var first = await CollectAsync(device.AccountId);
        var second = await CollectAsync(device.AccountId);
        if (sinceUpload.Elapsed < BlobGcCluster.GracePeriod)
        {
            // Within the grace period no pass collects, however many run.
            Assert.Equal(0, first.GetProperty("collected").GetInt32() + second.GetProperty("collected").GetInt32());
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(device, sha));
            var pending = Assert.Single((await ReportAsync(device.AccountId)).GetProperty("unreferenced").EnumerateArray());
            Assert.True(pending.TryGetProperty("unreferencedSince", out _));
        }
        else
        {
            output.WriteLine($"the machine is slow: {sinceUpload.Elapsed} passed before the check within the grace period");
        }

        await WaitCollectedAsync(device, sha);
        Assert.True(sinceUpload.Elapsed >= BlobGcCluster.GracePeriod, $"collected after {sinceUpload.Elapsed}");
        await AssertBytesAsync(device.AccountId, sha, expected: false);
        var report = await ReportAsync(device.AccountId);
        Assert.Equal(0, report.GetProperty("blobs").GetInt32());
        Assert.Equal(0, report.GetProperty("pendingDeletes").GetInt32());
        Assert.True(report.GetProperty("collectedTotal").GetInt64() >= 1);

        // Uploading it again stores it anew.
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));
        Assert.Equal(bytes, await GetAsync(device, sha));
        await AssertBytesAsync(device.AccountId, sha, expected: true);
    }

    [Fact]
    public async Task The_scan_then_put_race_a_blob_referenced_after_the_first_scan_survives_the_second()
    {
        var device = await _api.NewDeviceAsync("gcrace");
        var photo = RandomNumberGenerator.GetBytes(50_000);
        var control = RandomNumberGenerator.GetBytes(50_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, photo));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, control));

        // The first scan finds both unreferenced; then the device writes the item that refers to the photo.
        Assert.Equal(2, (await CollectAsync(device.AccountId)).GetProperty("awaitingGrace").GetInt32());
        await _api.SyncOneAsync(device, "photos", null, null, ApiClient.Put(1, "p-1", new JsonObject { ["photo"] = "sha256:" + Sha(photo) }));

        await WaitCollectedAsync(device, Sha(control));
        Assert.Equal(photo, await GetAsync(device, Sha(photo)));
        await AssertBytesAsync(device.AccountId, Sha(photo), expected: true);
        var report = await ReportAsync(device.AccountId);
        Assert.Equal(1, report.GetProperty("referenced").GetInt32());
        Assert.Equal(0, report.GetProperty("awaitingGrace").GetInt32());
    }

    [Fact]
    public async Task Another_accounts_collection_of_the_same_bytes_leaves_an_account_that_refers_to_them_untouched()
    {
        var keeper = await _api.NewDeviceAsync("gckeep");
        var dropper = await _api.NewDeviceAsync("gcdrop");
        var bytes = RandomNumberGenerator.GetBytes(80_000);
        var sha = Sha(bytes);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(keeper, bytes));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(dropper, bytes));
        await _api.SyncOneAsync(keeper, "photos", null, null, ApiClient.Put(1, "p-1", new JsonObject { ["photo"] = "sha256:" + sha }));

        await WaitCollectedAsync(dropper, sha);
        await AssertBytesAsync(dropper.AccountId, sha, expected: false);
        await CollectAsync(keeper.AccountId);
        Assert.Equal(bytes, await GetAsync(keeper, sha));
        await AssertBytesAsync(keeper.AccountId, sha, expected: true);

        // The keeper stops referring to it while the dropper uploads again: each account's copy follows its own index.
        Assert.Equal(HttpStatusCode.Created, await PutAsync(dropper, bytes));
        Assert.Equal(bytes, await GetAsync(dropper, sha));
    }

    [Fact]
    public async Task A_blob_only_the_conflict_archive_refers_to_is_kept()
    {
        var phone = await _api.NewDeviceAsync("gcconf");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        var photo = RandomNumberGenerator.GetBytes(30_000);
        var control = RandomNumberGenerator.GetBytes(30_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(laptop, photo));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(laptop, control));

        // The phone's version wins; the laptop's, which refers to the photo, is archived as a conflict.
        await _api.SyncOneAsync(phone, "contacts", null, null, ApiClient.Put(1, "c-1", new JsonObject { ["name"] = "phone" }, baseVersion: 0));
        var lost = await _api.SyncOneAsync(laptop, "contacts", null, null, ApiClient.Put(1, "c-1", new JsonObject { ["photo"] = "sha256:" + Sha(photo) }, baseVersion: 0));
        Assert.Equal("conflict", lost.GetProperty("results")[0].GetProperty("status").GetString());

        await WaitCollectedAsync(laptop, Sha(control));
        Assert.Equal(photo, await GetAsync(phone, Sha(photo)));
    }

    [Fact]
    public async Task The_background_collector_collects_without_an_operator()
    {
        var device = await _api.NewDeviceAsync("gcbg");
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));

        // Only reads from here on: the passes are the sweeper's (every 2 s, each account at most once a second).
        await Eventually.WaitAsync(
            async () => await GetStatusAsync(device, Sha(bytes)) == HttpStatusCode.NotFound,
            Deadline,
            "the background collector did not collect an unreferenced blob");
        await AssertBytesAsync(device.AccountId, Sha(bytes), expected: false);
    }

    [Fact]
    public async Task A_restore_to_a_point_before_the_collection_brings_back_the_index_record_and_the_bytes_from_the_backup()
    {
        var device = await _api.NewDeviceAsync("gcrestore");
        var bytes = RandomNumberGenerator.GetBytes(120_000);
        var sha = Sha(bytes);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(device, bytes));
        var afterUpload = DateTimeOffset.UtcNow; // the index record was committed before the 201

        var backup = new BlobServiceClient(cluster.Cluster.Backup!.ConnectionString)
            .GetBlobContainerClient(cluster.Cluster.TablePrefix.ToLowerInvariant() + "-backup-blobs").GetBlobClient(BlobNames.Shared(sha));
        await Eventually.WaitAsync(async () => await backup.ExistsAsync(), Deadline, "the blob never reached the backup store");
        await WaitCollectedAsync(device, sha);
        await AssertBytesAsync(device.AccountId, sha, expected: false);

        // The index record reaches the backup a copy interval (1 s) after its commit, later under load: until then a
        // restore finds nothing of the index to restore ("not-in-backup") and changes nothing, so ask again.
        var body = new JsonObject { ["to"] = afterUpload.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }.ToJsonString();
        JsonElement restored = default;
        await Eventually.WaitAsync(
            async () =>
            {
                using var response = await _api.SendAsync(HttpMethod.Post, $"/v1/admin/accounts/{device.AccountId}/restore", body: body, configure: r => r.Headers.Add("X-Admin-Key", ApiCluster.TestAdminKey));
                restored = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
                output.WriteLine(restored.ToString());
                return restored.GetProperty("blobs").GetProperty("status").GetString() != "not-in-backup";
            },
            Deadline,
            "the backup never held the blob index record");
        var blobs = restored.GetProperty("blobs");
        Assert.Equal("restored", blobs.GetProperty("status").GetString());
        Assert.Equal(1, blobs.GetProperty("added").GetInt32());
        Assert.Equal(1, blobs.GetProperty("bytesRestored").GetInt32());

        Assert.Equal(bytes, await GetAsync(device, sha));
        await AssertBytesAsync(device.AccountId, sha, expected: true);
    }

    /// <summary>Runs passes until the blob is collected (404), within the deadline.</summary>
    private Task WaitCollectedAsync(ApiDevice device, string sha) =>
        Eventually.WaitAsync(
            async () =>
            {
                await CollectAsync(device.AccountId);
                return await GetStatusAsync(device, sha) == HttpStatusCode.NotFound;
            },
            Deadline,
            $"blob {sha} of {device.AccountId} was not collected");

    private async Task AssertBytesAsync(string accountId, string sha, bool expected)
    {
        foreach (var connection in cluster.Cluster.Replicas.ConnectionStrings)
        {
            var blob = new BlobServiceClient(connection).GetBlobContainerClient(cluster.Cluster.TablePrefix.ToLowerInvariant() + "-blobs")
                .GetBlobClient(BlobNames.ForAccount(accountId, sha));
            Assert.True(expected == await blob.ExistsAsync(), $"a replica {(expected ? "lacks" : "still holds")} {accountId}'s blob {sha}");
        }
    }

    private async Task<JsonElement> CollectAsync(string accountId)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, $"/v1/admin/accounts/{accountId}/blobs/collect", configure: r => r.Headers.Add("X-Admin-Key", ApiCluster.TestAdminKey));
        var report = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
        output.WriteLine($"collect {accountId}: {report}");
        return report;
    }

    private async Task<JsonElement> ReportAsync(string accountId)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, $"/v1/admin/accounts/{accountId}/blobs", configure: r => r.Headers.Add("X-Admin-Key", ApiCluster.TestAdminKey));
        return await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<HttpStatusCode> PutAsync(ApiDevice device, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/" + Sha(bytes)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", device.Token);
        using var response = await _api.Http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> GetStatusAsync(ApiDevice device, string sha)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, "/v1/blobs/" + sha, device.Token);
        return response.StatusCode;
    }

    private async Task<byte[]> GetAsync(ApiDevice device, string sha)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, "/v1/blobs/" + sha, device.Token);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {sha}: {(int)response.StatusCode}");
        return body;
    }
}
