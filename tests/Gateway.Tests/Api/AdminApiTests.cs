using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeviceSync.Testing;

namespace DeviceSync.Gateway.Tests.Api;

[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class AdminApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task Provisions_accounts_with_working_tokens()
    {
        var first = ApiCluster.NewAccountId("prov");
        var second = ApiCluster.NewAccountId("prov");
        var body = new JsonObject
        {
            ["accounts"] = new JsonArray(new JsonObject { ["accountId"] = first, ["devices"] = 2 }, new JsonObject { ["accountId"] = second, ["devices"] = 1 }),
        };
        using var response = await Admin(HttpMethod.Post, "/v1/admin/provision", cluster.AdminKey, body.ToJsonString());
        var answer = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
        var accounts = answer.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal([first, second], accounts.Select(a => a.GetProperty("accountId").GetString()));
        Assert.Equal(2, accounts[0].GetProperty("devices").GetArrayLength());
        Assert.Equal(1, accounts[1].GetProperty("devices").GetArrayLength());

        var credential = accounts[0].GetProperty("devices")[0];
        var device = new ApiDevice(first, "", credential.GetProperty("deviceId").GetString()!, credential.GetProperty("token").GetString()!);
        var synced = await _api.SyncOneAsync(device, "notes", null, null, ApiClient.Put(1, "n-1"));
        Assert.Equal("applied", synced.GetProperty("results")[0].GetProperty("status").GetString());

        // An account that exists gets new devices.
        using var more = await Admin(HttpMethod.Post, "/v1/admin/provision", cluster.AdminKey, "{\"accounts\": [{\"accountId\": \"" + first + "\", \"devices\": 1}]}");
        var added = (await ApiClient.ReadJsonAsync(more, HttpStatusCode.OK)).GetProperty("accounts")[0].GetProperty("devices")[0].GetProperty("deviceId").GetString();
        Assert.DoesNotContain(added, accounts[0].GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()));
    }

    [Fact]
    public async Task A_provision_request_with_a_provision_id_sent_twice_or_resent_after_a_lost_answer_yields_the_same_devices()
    {
        var first = ApiCluster.NewAccountId("idem");
        var second = ApiCluster.NewAccountId("idem");
        var provisionId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var body = new JsonObject
        {
            ["provisionId"] = provisionId,
            ["accounts"] = new JsonArray(new JsonObject { ["accountId"] = first, ["devices"] = 2 }, new JsonObject { ["accountId"] = second, ["devices"] = 3 }),
        }.ToJsonString();

        // The first answer is lost on the way back: the gateway did all the work, the caller saw none of it.
        using (var losing = new HttpClient(new LoseTheAnswer(new HttpClientHandler())) { BaseAddress = cluster.Http.BaseAddress })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/provision") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Admin-Key", cluster.AdminKey);
            await Assert.ThrowsAsync<HttpRequestException>(() => losing.SendAsync(request));
        }

        // The retry, and a further resend, get the same devices with the same tokens, and no device more than asked.
        var retried = await ProvisionedAsync(body);
        var again = await ProvisionedAsync(body);
        Assert.Equal(Flatten(retried), Flatten(again));
        Assert.Equal([first, second], retried.Select(a => a.AccountId));
        Assert.Equal([2, 3], retried.Select(a => a.Devices.Count));

        foreach (var (accountId, devices) in retried)
        {
            var device = new ApiDevice(accountId, "", devices[0].DeviceId, devices[0].Token);
            using var listed = await _api.SendAsync(HttpMethod.Get, "/v1/devices", bearer: device.Token);
            var live = (await ApiClient.ReadJsonAsync(listed, HttpStatusCode.OK)).GetProperty("devices").EnumerateArray()
                .Select(d => d.GetProperty("deviceId").GetString()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(devices.Select(d => d.DeviceId).Order(StringComparer.Ordinal), live);
            Assert.Equal("applied", (await _api.SyncOneAsync(device, "notes", null, null, ApiClient.Put(1, "n-1"))).GetProperty("results")[0].GetProperty("status").GetString());
        }

        // Asking the same provisioning for more devices adds only the missing ones and keeps the first ones.
        var grown = await ProvisionedAsync(new JsonObject
        {
            ["provisionId"] = provisionId,
            ["accounts"] = new JsonArray(new JsonObject { ["accountId"] = first, ["devices"] = 3 }),
        }.ToJsonString());
        Assert.Equal(retried[0].Devices, grown[0].Devices.Take(2));
        Assert.Equal(3, grown[0].Devices.Count);

        // Another provision id is another provisioning: new devices.
        var other = await ProvisionedAsync(new JsonObject
        {
            ["provisionId"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["accounts"] = new JsonArray(new JsonObject { ["accountId"] = first, ["devices"] = 1 }),
        }.ToJsonString());
        Assert.DoesNotContain(other[0].Devices[0], grown[0].Devices);
    }

    [Fact]
    public async Task A_device_revoked_after_an_idempotent_provisioning_is_not_brought_back_by_a_resend()
    {
        var accountId = ApiCluster.NewAccountId("idem");
        var body = new JsonObject
        {
            ["provisionId"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["accounts"] = new JsonArray(new JsonObject { ["accountId"] = accountId, ["devices"] = 2 }),
        }.ToJsonString();
        var devices = (await ProvisionedAsync(body))[0].Devices;
        using (var revoke = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + devices[1].DeviceId, bearer: devices[0].Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        var resent = (await ProvisionedAsync(body))[0].Devices;
        Assert.Equal([devices[0]], resent);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-key")]
    public async Task A_missing_or_wrong_key_is_403(string? key)
    {
        using var provision = await Admin(HttpMethod.Post, "/v1/admin/provision", key, "{\"accounts\": []}");
        await ApiProblem.AssertAsync(provision, HttpStatusCode.Forbidden, "forbidden");
        using var clusterInfo = await Admin(HttpMethod.Get, "/v1/admin/cluster", key, null);
        await ApiProblem.AssertAsync(clusterInfo, HttpStatusCode.Forbidden, "forbidden");
        using var replicas = await Admin(HttpMethod.Get, "/v1/admin/replicas", key, null);
        await ApiProblem.AssertAsync(replicas, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Lists_the_storage_replicas_and_the_sweeper()
    {
        JsonElement view = default;
        await Eventually.WaitAsync(
            async () =>
            {
                using var response = await Admin(HttpMethod.Get, "/v1/admin/replicas", cluster.AdminKey, null);
                view = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
                return view.GetProperty("replicas").EnumerateArray().All(r => r.GetProperty("state").GetString() == "healthy");
            },
            TimeSpan.FromSeconds(30),
            "every replica of a fresh cluster is healthy");

        var replicas = view.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], replicas.Select(r => r.GetProperty("replica").GetInt32()));
        Assert.All(replicas, r =>
        {
            Assert.Equal(JsonValueKind.Null, r.GetProperty("reason").ValueKind);
            Assert.True(r.TryGetProperty("streamsBehind", out _));
            Assert.True(r.TryGetProperty("lastError", out _));
            Assert.True(r.GetProperty("repairsWritten").GetInt64() >= 0);
            Assert.Matches(@"^layout (1|2 \(\d+ shards\))$", r.GetProperty("layout").GetString());
        });
        var sweep = view.GetProperty("sweep");
        Assert.True(sweep.GetProperty("enabled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(sweep.GetProperty("silo").GetString()));
        Assert.True(view.GetProperty("silosReporting").GetInt32() >= 1);
        Assert.DoesNotContain("AccountKey", view.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("{\"accounts\": [{\"accountId\": \"ab\", \"devices\": 1}]}")]
    [InlineData("{\"accounts\": [{\"accountId\": \"load-x1\", \"devices\": 0}]}")]
    [InlineData("{\"accounts\": [{\"accountId\": \"load-x1\", \"devices\": 101}]}")]
    [InlineData("{\"accounts\": [{\"accountId\": \"load-x1\", \"devices\": 1}, {\"accountId\": \"load-x1\", \"devices\": 1}]}")]
    [InlineData("{\"accounts\": 5}")]
    [InlineData("{")]
    public async Task Bad_provision_requests_are_400(string body)
    {
        using var response = await Admin(HttpMethod.Post, "/v1/admin/provision", cluster.AdminKey, body);
        await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Lists_the_silos()
    {
        using var response = await Admin(HttpMethod.Get, "/v1/admin/cluster", cluster.AdminKey, null);
        var answer = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
        var silos = answer.GetProperty("silos").EnumerateArray().ToList();
        Assert.NotEmpty(silos);
        Assert.Contains(silos, s => s.GetProperty("status").GetString() == "Active");
        Assert.All(silos, s =>
        {
            Assert.False(string.IsNullOrEmpty(s.GetProperty("address").GetString()));
            Assert.True(s.TryGetProperty("version", out _));
            Assert.True(s.TryGetProperty("activationCount", out _));
        });

        // Every live silo reports the build it runs (this commit's, like the test's own), and so does the gateway.
        Assert.Equal(DeviceSync.Contracts.Operations.BuildInfo.Version, answer.GetProperty("gateway").GetProperty("version").GetString());
        Assert.Contains("+", DeviceSync.Contracts.Operations.BuildInfo.Version, StringComparison.Ordinal); // version+commit
        await Eventually.WaitAsync(
            async () =>
            {
                using var again = await Admin(HttpMethod.Get, "/v1/admin/cluster", cluster.AdminKey, null);
                var view = await ApiClient.ReadJsonAsync(again, HttpStatusCode.OK);
                return view.GetProperty("silos").EnumerateArray()
                    .Where(s => s.GetProperty("status").GetString() == "Active")
                    .All(s => s.GetProperty("version").GetString() == DeviceSync.Contracts.Operations.BuildInfo.Version);
            },
            TimeSpan.FromSeconds(30),
            "every active silo reports its build");
        Assert.All(silos.Where(s => s.GetProperty("status").GetString() == "Active"), s => Assert.Equal(JsonValueKind.Number, s.GetProperty("activationCount").ValueKind));
    }

    [Fact]
    public async Task Health_readiness_and_metrics_answer()
    {
        using var health = await _api.SendAsync(HttpMethod.Get, "/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var ready = await _api.SendAsync(HttpMethod.Get, "/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var metrics = await _api.SendAsync(HttpMethod.Get, "/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<List<(string AccountId, List<(string DeviceId, string Token)> Devices)>> ProvisionedAsync(string body)
    {
        using var response = await Admin(HttpMethod.Post, "/v1/admin/provision", cluster.AdminKey, body);
        var answer = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
        return [.. answer.GetProperty("accounts").EnumerateArray().Select(a => (
            a.GetProperty("accountId").GetString()!,
            a.GetProperty("devices").EnumerateArray().Select(d => (d.GetProperty("deviceId").GetString()!, d.GetProperty("token").GetString()!)).ToList()))];
    }

    private static IEnumerable<string> Flatten(List<(string AccountId, List<(string DeviceId, string Token)> Devices)> accounts) =>
        accounts.SelectMany(a => a.Devices.Select(d => $"{a.AccountId} {d.DeviceId} {d.Token}"));

    /// <summary>Sends the request and reads the whole answer, then throws it away as a connection reset would.</summary>
    private sealed class LoseTheAnswer(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var response = await base.SendAsync(request, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            throw new HttpRequestException("connection reset (simulated): the answer was lost");
        }
    }

    /// <summary>
    /// <c>PUT /v1/account/password</c> (ADR 0008): an account without a password (provisioned here; recovered after a
    /// loss in the fault matrix) gets one from a device and can then register devices with it; it is never replaced.
    /// </summary>
    [Fact]
    public async Task An_account_without_a_password_gets_one_from_a_device_once()
    {
        var accountId = ApiCluster.NewAccountId("nopw");
        using var response = await Admin(HttpMethod.Post, "/v1/admin/provision", cluster.AdminKey, "{\"accounts\": [{\"accountId\": \"" + accountId + "\", \"devices\": 1}]}");
        var token = (await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK)).GetProperty("accounts")[0].GetProperty("devices")[0].GetProperty("token").GetString()!;
        using (var before = await _api.RegisterAsync(accountId, ApiClient.Password))
        {
            await ApiProblem.AssertAsync(before, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var tooShort = await _api.SendAsync(HttpMethod.Put, "/v1/account/password", token, "{\"password\": \"short\"}"))
        {
            await ApiProblem.AssertAsync(tooShort, HttpStatusCode.BadRequest, "invalid-request");
        }

        using (var anonymous = await _api.SendAsync(HttpMethod.Put, "/v1/account/password", null, "{\"password\": \"" + ApiClient.Password + "\"}"))
        {
            await ApiProblem.AssertAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var set = await _api.SendAsync(HttpMethod.Put, "/v1/account/password", token, "{\"password\": \"" + ApiClient.Password + "\"}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        }

        using (var registered = await _api.RegisterAsync(accountId, ApiClient.Password))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using var again = await _api.SendAsync(HttpMethod.Put, "/v1/account/password", token, "{\"password\": \"another password entirely\"}");
        await ApiProblem.AssertAsync(again, HttpStatusCode.Conflict, "conflict");
    }

    private Task<HttpResponseMessage> Admin(HttpMethod method, string path, string? key, string? body) =>
        _api.SendAsync(method, path, body: body, configure: r =>
        {
            if (key is not null)
            {
                r.Headers.TryAddWithoutValidation("X-Admin-Key", key);
            }
        });
}
