using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using Azure.Storage.Blobs;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Gateway.Tests.Blobs;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary><c>PUT</c>/<c>GET /v1/blobs/{sha256}</c> over real HTTP against real silos, gateway and three Azurite replicas.</summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class BlobApiTests(ApiCluster cluster, ITestOutputHelper output)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task An_upload_is_201_then_200_and_reads_back_with_its_type_and_etag()
    {
        var device = await _api.NewDeviceAsync("blob");
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var sha = Sha(bytes);

        using (var first = await PutAsync(device, sha, bytes, "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal("/v1/blobs/" + sha, first.Headers.Location?.OriginalString);
            using var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
            Assert.Equal(sha, json.RootElement.GetProperty("sha256").GetString());
            Assert.Equal(bytes.Length, json.RootElement.GetProperty("length").GetInt64());
        }

        using (var again = await PutAsync(device, sha, bytes, "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // Another device of the same account reads it: blobs belong to the account.
        var second = await _api.AddDeviceAsync(device.AccountId, "tablet");
        using var read = await GetAsync(second, sha);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("image/jpeg", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"" + sha + "\"", read.Headers.ETag?.Tag);
        Assert.Equal(bytes, await read.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_empty_blob_is_stored_and_read_back_empty()
    {
        var device = await _api.NewDeviceAsync("blobempty");
        var sha = Sha([]);
        using (var put = await PutAsync(device, sha, []))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var read = await GetAsync(device, sha);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Empty(await read.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_body_whose_hash_differs_is_400_and_nothing_is_kept()
    {
        var device = await _api.NewDeviceAsync("blobhash");
        var bytes = RandomNumberGenerator.GetBytes(5_000_000); // several blocks: some were staged before the hash was known
        var claimed = Sha(RandomNumberGenerator.GetBytes(16));

        using var wrong = await PutAsync(device, claimed, bytes);
        await ApiProblem.AssertAsync(wrong, HttpStatusCode.BadRequest, "invalid-request");

        using var underClaimed = await GetAsync(device, claimed);
        await ApiProblem.AssertAsync(underClaimed, HttpStatusCode.NotFound, "not-found");
        using var underActual = await GetAsync(device, Sha(bytes));
        await ApiProblem.AssertAsync(underActual, HttpStatusCode.NotFound, "not-found");
        await AssertOnNoReplicaAsync(device.AccountId, claimed);
        await AssertOnNoReplicaAsync(device.AccountId, Sha(bytes));
    }

    [Fact]
    public async Task Another_account_with_the_same_bytes_gets_404_until_it_uploads_them_itself()
    {
        var owner = await _api.NewDeviceAsync("blobown");
        var stranger = await _api.NewDeviceAsync("blobstr");
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        var sha = Sha(bytes);
        using (var put = await PutAsync(owner, sha, bytes, "image/png"))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var denied = await GetAsync(stranger, sha))
        {
            await ApiProblem.AssertAsync(denied, HttpStatusCode.NotFound, "not-found");
        }

        // Its own upload of the same bytes is new to it (201), with its own content type.
        using (var own = await PutAsync(stranger, sha, bytes, "application/x-thing"))
        {
            Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        }

        using var read = await GetAsync(stranger, sha);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("application/x-thing", read.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Range_requests_get_206_and_a_matching_if_none_match_gets_304()
    {
        var device = await _api.NewDeviceAsync("blobrange");
        var bytes = RandomNumberGenerator.GetBytes(3_000_000);
        var sha = Sha(bytes);
        using (var put = await PutAsync(device, sha, bytes))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var partial = await GetAsync(device, sha, r => r.Headers.Range = new RangeHeaderValue(2_500_000, 2_500_099)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(2_500_000, partial.Content.Headers.ContentRange?.From);
            Assert.Equal(bytes.Length, partial.Content.Headers.ContentRange?.Length);
            Assert.Equal(bytes.AsSpan(2_500_000, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        }

        using (var tail = await GetAsync(device, sha, r => r.Headers.Range = new RangeHeaderValue(null, 10)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
            Assert.Equal(bytes.AsSpan(bytes.Length - 10).ToArray(), await tail.Content.ReadAsByteArrayAsync());
        }

        using (var beyond = await GetAsync(device, sha, r => r.Headers.Range = new RangeHeaderValue(bytes.Length + 10, null)))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        }

        using var cached = await GetAsync(device, sha, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"" + sha + "\"")));
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_body_over_64_MiB_is_413_whether_declared_or_chunked_and_nothing_is_kept()
    {
        var device = await _api.NewDeviceAsync("blobbig");
        const long tooLarge = (64L * 1024 * 1024) + 1;
        var sha = GeneratedContent.Sha256Of(tooLarge, seed: 7);

        // Declared: refused from the headers. With "Expect: 100-continue" (curl sends it for bodies over 1 MiB) the client
        // hears the 413 before it sends a byte; without it, the gateway closes the connection on the unread body.
        using (var declared = await PutContentAsync(device, sha, new GeneratedContent(tooLarge, 7, declareLength: true), expectContinue: true))
        {
            await ApiProblem.AssertAsync(declared, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        }

        // Chunked: the gateway reads up to the limit, a block at a time, then refuses. The client is still sending, so
        // it may see the connection close under it instead of the answer; either way nothing was kept.
        try
        {
            using var chunked = await PutContentAsync(device, sha, new GeneratedContent(tooLarge, 7));
            await ApiProblem.AssertAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
            output.WriteLine("chunked: answered 413");
        }
        catch (HttpRequestException ex)
        {
            output.WriteLine($"chunked: the gateway closed the connection while the client was still sending ({ex.Message})");
        }

        using var read = await GetAsync(device, sha);
        await ApiProblem.AssertAsync(read, HttpStatusCode.NotFound, "not-found");
        await AssertOnNoReplicaAsync(device.AccountId, sha);

        // Exactly 64 MiB is within the limit.
        const long limit = 64L * 1024 * 1024;
        var fits = GeneratedContent.Sha256Of(limit, seed: 8);
        using var atLimit = await PutContentAsync(device, fits, new GeneratedContent(limit, 8));
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
    }

    [Fact]
    public async Task An_upload_interrupted_halfway_leaves_nothing_served_or_stored()
    {
        var device = await _api.NewDeviceAsync("blobcut");
        const long length = 20L * 1024 * 1024;
        var sha = GeneratedContent.Sha256Of(length, seed: 11);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var _ = await PutContentAsync(device, sha, new GeneratedContent(length, 11, failAfter: length / 2));
        });

        using (var read = await GetAsync(device, sha))
        {
            await ApiProblem.AssertAsync(read, HttpStatusCode.NotFound, "not-found");
        }

        await AssertOnNoReplicaAsync(device.AccountId, sha);

        // The whole upload afterwards works and is new to the account.
        using var whole = await PutContentAsync(device, sha, new GeneratedContent(length, 11));
        Assert.Equal(HttpStatusCode.Created, whole.StatusCode);
        using var back = await GetAsync(device, sha);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(await back.Content.ReadAsStreamAsync())));
    }

    [Fact]
    public async Task A_50_MiB_upload_does_not_grow_the_gateway_by_its_size()
    {
        var device = await _api.NewDeviceAsync("blobmem");
        var pid = cluster.Cluster.Gateway.ProcessId ?? throw new InvalidOperationException("The gateway is not running.");

        // Warm up the upload path (clients, pools, JIT) so the measurement sees only what one large upload holds.
        const long warm = 8L * 1024 * 1024;
        using (var warmUp = await PutContentAsync(device, GeneratedContent.Sha256Of(warm, 20), new GeneratedContent(warm, 20)))
        {
            Assert.Equal(HttpStatusCode.Created, warmUp.StatusCode);
        }

        // Resident memory sampled while the upload runs: its peak above the level before. (VmHWM would hide the growth
        // behind an earlier test's peak.)
        var before = ResidentBytes(pid);
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(pid));
                await Task.Delay(10);
            }
        });
        const long length = 50L * 1024 * 1024;
        var sha = GeneratedContent.Sha256Of(length, 21);
        var upload = System.Diagnostics.Stopwatch.StartNew();
        using (var put = await PutContentAsync(device, sha, new GeneratedContent(length, 21)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        upload.Stop();
        await sampling.CancelAsync();
        await sampler;
        var growth = peak - before;
        output.WriteLine($"gateway resident memory before {before / 1048576.0:F1} MiB, peak during a 50 MiB upload {peak / 1048576.0:F1} MiB (+{growth / 1048576.0:F1} MiB)");
        var download = System.Diagnostics.Stopwatch.StartNew();
        using (var read = await _api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/blobs/" + sha) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", device.Token) } }, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(await read.Content.ReadAsStreamAsync())));
        }

        download.Stop();
        output.WriteLine($"50 MiB: upload {upload.Elapsed.TotalSeconds:F1} s ({50 / upload.Elapsed.TotalSeconds:F1} MiB/s, to 3 replicas), download {download.Elapsed.TotalSeconds:F1} s ({50 / download.Elapsed.TotalSeconds:F1} MiB/s)");
        // Buffered whole, the body alone would add 50 MiB; streamed, the gateway holds one block (1 MiB) per upload.
        Assert.True(growth < 25L * 1024 * 1024, $"the gateway's memory grew by {growth / 1048576.0:F1} MiB during a 50 MiB upload");
    }

    [Fact]
    public async Task The_admin_reference_report_follows_the_items_that_refer_to_blobs()
    {
        var device = await _api.NewDeviceAsync("blobref");
        var kept = RandomNumberGenerator.GetBytes(1000);
        var loose = RandomNumberGenerator.GetBytes(1000);
        foreach (var bytes in new[] { kept, loose })
        {
            using var put = await PutAsync(device, Sha(bytes), bytes);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var notUploaded = Sha([42]);
        await _api.SyncOneAsync(device, "photos", null, null,
            ApiClient.Put(1, "p-1", new System.Text.Json.Nodes.JsonObject { ["photo"] = "sha256:" + Sha(kept) }),
            ApiClient.Put(2, "p-2", new System.Text.Json.Nodes.JsonObject { ["photo"] = "sha256:" + notUploaded }));

        var report = await ReportAsync(device.AccountId);
        Assert.Equal(2, report.GetProperty("blobs").GetInt32());
        Assert.Equal(1, report.GetProperty("referenced").GetInt32());
        Assert.Equal([Sha(loose)], report.GetProperty("unreferenced").EnumerateArray().Select(b => b.GetProperty("sha256").GetString()));
        Assert.Equal([notUploaded], report.GetProperty("missing").EnumerateArray().Select(h => h.GetString()));

        await _api.SyncOneAsync(device, "photos", null, null, ApiClient.Delete(3, "p-1"));
        Assert.Equal(0, (await ReportAsync(device.AccountId)).GetProperty("referenced").GetInt32());
        // Nothing is collected: the blob is still served.
        using var read = await GetAsync(device, Sha(kept));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var noKey = await _api.SendAsync(HttpMethod.Get, $"/v1/admin/accounts/{device.AccountId}/blobs");
        Assert.True(noKey.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, noKey.StatusCode.ToString());
    }

    [Fact]
    public async Task Bad_names_are_400_and_a_missing_token_is_401()
    {
        var device = await _api.NewDeviceAsync("blobbad");
        using (var upper = await PutAsync(device, new string('A', 64), [1, 2, 3]))
        {
            await ApiProblem.AssertAsync(upper, HttpStatusCode.BadRequest, "invalid-request");
        }

        using (var shortName = await GetAsync(device, "abc"))
        {
            await ApiProblem.AssertAsync(shortName, HttpStatusCode.BadRequest, "invalid-request");
        }

        using var anonymous = await _api.SendAsync(HttpMethod.Get, "/v1/blobs/" + Sha([1]));
        await ApiProblem.AssertAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
    }

    private async Task<JsonElement> ReportAsync(string accountId)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, $"/v1/admin/accounts/{accountId}/blobs", configure: r => r.Headers.Add("X-Admin-Key", cluster.AdminKey));
        return await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private Task<HttpResponseMessage> PutAsync(ApiDevice device, string sha, byte[] bytes, string? contentType = null)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return PutContentAsync(device, sha, content);
    }

    private Task<HttpResponseMessage> PutContentAsync(ApiDevice device, string sha, HttpContent content, bool expectContinue = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/" + sha) { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", device.Token);
        return _api.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> GetAsync(ApiDevice device, string sha, Action<HttpRequestMessage>? configure = null) =>
        _api.SendAsync(HttpMethod.Get, "/v1/blobs/" + sha, device.Token, configure: configure);

    /// <summary>No replica holds a committed blob of that name (staged, uncommitted blocks are invisible and expire).</summary>
    private async Task AssertOnNoReplicaAsync(string accountId, string sha)
    {
        foreach (var connection in cluster.Cluster.Replicas.ConnectionStrings)
        {
            var container = new BlobServiceClient(connection).GetBlobContainerClient(cluster.Cluster.TablePrefix.ToLowerInvariant() + "-blobs");
            Assert.False(await container.GetBlobClient(BlobNames.ForAccount(accountId, sha)).ExistsAsync(), $"a replica holds blob {sha}");
            Assert.False(await container.GetBlobClient(BlobNames.Shared(sha)).ExistsAsync(), $"a replica holds blob {sha} under its shared name");
        }
    }

    /// <summary>The process's resident set (VmRSS).</summary>
    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
