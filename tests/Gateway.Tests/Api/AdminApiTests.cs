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

    private Task<HttpResponseMessage> Admin(HttpMethod method, string path, string? key, string? body) =>
        _api.SendAsync(method, path, body: body, configure: r =>
        {
            if (key is not null)
            {
                r.Headers.TryAddWithoutValidation("X-Admin-Key", key);
            }
        });
}
