using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DeviceSync.Contracts.Operations;
using Orleans.Runtime;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>The gateway over real HTTP against an in-memory stand-in for the cluster.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PipelineTests(PipelineHost host)
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Accounts_devices_and_sync_work_end_to_end()
    {
        var (accountId, token, deviceId) = await NewDeviceAsync();

        using var list = await SendAsync(HttpMethod.Get, "/v1/devices", token);
        var devices = await JsonAsync(list, HttpStatusCode.OK);
        Assert.Equal(deviceId, devices.GetProperty("devices")[0].GetProperty("deviceId").GetString());

        using var sync = await SendAsync(HttpMethod.Post, "/v1/sync", token, """
            {"collections": [{"name": "contacts", "cursor": null, "mutations": [
              {"id": 1, "op": "put", "itemId": "c-1", "baseVersion": 0, "data": {"name": "Ann", "n": 1.50}},
              {"id": 2, "op": "delete", "itemId": "c-2"}]}]}
            """);
        var answer = await JsonAsync(sync, HttpStatusCode.OK);
        var collection = answer.GetProperty("collections")[0];
        Assert.Equal("""{"id":1,"status":"applied","version":1}""", collection.GetProperty("results")[0].GetRawText());
        Assert.Equal("""{"name": "Ann", "n": 1.50}""", collection.GetProperty("changes")[0].GetProperty("data").GetRawText());
        Assert.False(collection.GetProperty("changes")[1].TryGetProperty("data", out _));
        Assert.Equal("2", collection.GetProperty("cursor").GetString());
        Assert.Equal(JsonValueKind.Null, collection.GetProperty("resync").ValueKind);
        Assert.Contains("contacts", await host.Cluster.Accounts[accountId].ListCollectionsAsync());
    }

    [Fact]
    public async Task Conflicts_are_listed_per_collection_and_across_the_account()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        foreach (var (name, id) in new[] { ("notes", 1), ("tasks", 2), ("notes", 3) })
        {
            using var response = await SendAsync(HttpMethod.Post, "/v1/sync", token, "{\"collections\": [{\"name\": \"" + name + "\", \"mutations\": [{\"id\": " + id + ", \"op\": \"put\", \"itemId\": \"x" + id + "\", \"baseVersion\": 7, \"data\": {\"v\": " + id + "}}]}]}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var one = await SendAsync(HttpMethod.Get, "/v1/conflicts?collection=notes", token);
        var page = await JsonAsync(one, HttpStatusCode.OK);
        Assert.Equal(2, page.GetProperty("conflicts").GetArrayLength());
        Assert.Equal("2", page.GetProperty("cursor").GetString());

        var seen = new List<string>();
        string? cursor = null;
        for (var guard = 0; guard < 10; guard++)
        {
            using var response = await SendAsync(HttpMethod.Get, "/v1/conflicts?limit=1" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), token);
            var across = await JsonAsync(response, HttpStatusCode.OK);
            seen.AddRange(across.GetProperty("conflicts").EnumerateArray().Select(c => c.GetProperty("collection").GetString() + "/" + c.GetProperty("mutationId").GetInt64()));
            cursor = across.GetProperty("cursor").GetString();
            if (!across.GetProperty("hasMore").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal(["notes/1", "notes/3", "tasks/2"], seen);
        Assert.Equal(2, (await host.Cluster.Accounts[accountId].ListCollectionsAsync()).Count);
    }

    [Fact]
    public async Task A_revoked_device_gets_401_at_once_on_the_revoking_gateway()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        var (second, secondId) = await RegisterAsync(accountId);
        using (var warm = await SendAsync(HttpMethod.Get, "/v1/devices", second))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var revoke = await SendAsync(HttpMethod.Delete, "/v1/devices/" + secondId, token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var after = await SendAsync(HttpMethod.Get, "/v1/devices", second);
        await ProblemAsync(after, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", after.Headers.WwwAuthenticate.Single().Scheme);
        using var again = await SendAsync(HttpMethod.Delete, "/v1/devices/" + secondId, token);
        await ProblemAsync(again, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Storage_unavailability_is_503_with_retry_after()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        host.Cluster.Collection(accountId, "notes").Failures.Enqueue(new StorageUnavailableException("quorum lost"));
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", token, """{"collections": [{"name": "notes"}]}""");
        await ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_silo_that_left_is_retried_transparently()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        var grain = host.Cluster.Collection(accountId, "notes");
        grain.Failures.Enqueue(new SiloUnavailableException());
        grain.Failures.Enqueue(new TimeoutException());
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", token, """{"collections": [{"name": "notes", "mutations": [{"id": 1, "op": "put", "itemId": "a", "data": {}}]}]}""");
        var answer = await JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("applied", answer.GetProperty("collections")[0].GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(3, grain.Calls);
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_problem()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        host.Cluster.Collection(accountId, "notes").Failures.Enqueue(new InvalidCastException("boom"));
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", token, """{"collections": [{"name": "notes"}]}""");
        await ProblemAsync(response, HttpStatusCode.InternalServerError, "internal");
        Assert.DoesNotContain("boom", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_requests_never_reach_a_grain()
    {
        var (accountId, token, _) = await NewDeviceAsync();
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", token, """{"collections": [{"name": "notes", "mutations": [{"id": 1, "op": "put", "itemId": "a", "data": {}}, {"id": 2, "op": "put", "itemId": "a b", "data": {}}]}]}""");
        await ProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(0, host.Cluster.Collection(accountId, "notes").Calls);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_by_header_or_by_stream()
    {
        var (_, token, _) = await NewDeviceAsync();
        var big = new byte[(4 * 1024 * 1024) + 10];
        Array.Fill(big, (byte)' ');
        using var declared = await SendBytesAsync("/v1/sync", token, new ByteArrayContent(big));
        await ProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        using var streamed = await SendBytesAsync("/v1/sync", token, new StreamContent(new MemoryStream(big)) { Headers = { ContentLength = null } });
        await ProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems()
    {
        using var unknown = await host.Http.GetAsync("/v1/no-such-route");
        await ProblemAsync(unknown, HttpStatusCode.NotFound, "not-found");
        using var method = await host.Http.PutAsync("/v1/sync", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, method.StatusCode);
        Assert.Equal("application/problem+json", method.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_is_alive_and_readiness_needs_the_cluster()
    {
        using var health = await host.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var ready = await host.Http.GetAsync("/readyz");
        await ProblemAsync(ready, HttpStatusCode.ServiceUnavailable, "unavailable");
        using var metrics = await host.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Admin_routes_check_the_key_and_provision()
    {
        using var missing = await host.Http.PostAsync("/v1/admin/provision", new StringContent("{\"accounts\": []}"));
        await ProblemAsync(missing, HttpStatusCode.Forbidden, "forbidden");

        var accountId = "load-" + Guid.NewGuid().ToString("N")[..8];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/provision")
        {
            Content = new StringContent("{\"accounts\": [{\"accountId\": \"" + accountId + "\", \"devices\": 3}]}"),
        };
        request.Headers.Add("X-Admin-Key", PipelineHost.AdminKey);
        using var provisioned = await host.Http.SendAsync(request);
        var answer = await JsonAsync(provisioned, HttpStatusCode.OK);
        var devices = answer.GetProperty("accounts")[0].GetProperty("devices");
        Assert.Equal(3, devices.GetArrayLength());
        using var works = await SendAsync(HttpMethod.Get, "/v1/devices", devices[2].GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, works.StatusCode);

        using var clusterRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/cluster");
        clusterRequest.Headers.Add("X-Admin-Key", PipelineHost.AdminKey);
        using var cluster = await host.Http.SendAsync(clusterRequest);
        await ProblemAsync(cluster, HttpStatusCode.ServiceUnavailable, "unavailable");
    }

    [Fact]
    public async Task The_restore_route_checks_the_key_refuses_bad_input_and_says_when_backups_are_off()
    {
        using var missing = await host.Http.PostAsync("/v1/admin/accounts/alice/restore", new StringContent("{\"to\": \"latest\"}"));
        await ProblemAsync(missing, HttpStatusCode.Forbidden, "forbidden");

        foreach (var (path, body) in new[]
        {
            ("/v1/admin/accounts/alice/restore", "{\"to\": \"yesterday\"}"),
            ("/v1/admin/accounts/alice/restore", "{\"to\": \"2026-11-26T07:30:00\"}"),
            ("/v1/admin/accounts/alice/restore", "{\"to\": \"latest\", \"collection\": \"no/slashes\"}"),
            ("/v1/admin/accounts/Not%20An%20Id/restore", "{\"to\": \"latest\"}"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body) };
            request.Headers.Add("X-Admin-Key", PipelineHost.AdminKey);
            using var refused = await host.Http.SendAsync(request);
            await ProblemAsync(refused, HttpStatusCode.BadRequest, "invalid-request");
        }

        using var valid = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/accounts/alice/restore") { Content = new StringContent("{\"to\": \"latest\"}") };
        valid.Headers.Add("X-Admin-Key", PipelineHost.AdminKey);
        using var off = await host.Http.SendAsync(valid);
        await ProblemAsync(off, HttpStatusCode.ServiceUnavailable, "unavailable");
    }

    [Fact]
    public async Task A_collection_the_cluster_cannot_serve_during_a_restore_is_reported_unavailable_and_the_others_are_restored()
    {
        var (accountId, _, _) = await NewDeviceAsync();
        var account = host.Cluster.Account(accountId);
        account.BackupsOn = true;
        foreach (var name in new[] { "notes", "photos", "tasks" })
        {
            await account.NoteCollectionAsync(name);
            host.Cluster.Collection(accountId, name).BackupsOn = true;
        }

        host.Cluster.Collection(accountId, "photos").Failures.Enqueue(new StorageUnavailableException("1 healthy storage replicas answered (2 in all), 2 needed to write."));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/admin/accounts/{accountId}/restore") { Content = new StringContent("{\"to\": \"latest\"}") };
        request.Headers.Add("X-Admin-Key", PipelineHost.AdminKey);
        using var response = await host.Http.SendAsync(request);
        var answer = await JsonAsync(response, HttpStatusCode.OK);

        var collections = answer.GetProperty("collections").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("restored", collections["notes"].GetProperty("status").GetString());
        Assert.Equal("restored", collections["tasks"].GetProperty("status").GetString());
        Assert.Equal("unavailable", collections["photos"].GetProperty("status").GetString());
        Assert.Contains("2 needed to write", collections["photos"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, host.Cluster.Collection(accountId, "photos").Restores);
        Assert.Equal(1, host.Cluster.Collection(accountId, "tasks").Restores); // the one after the unavailable one still ran
    }

    [Fact]
    public async Task Duplicate_accounts_and_wrong_passwords_are_refused()
    {
        var (accountId, _, _) = await NewDeviceAsync();
        using var again = await host.Http.PostAsync("/v1/accounts", Json("{\"accountId\": \"" + accountId + "\", \"password\": \"" + Password + "\"}"));
        await ProblemAsync(again, HttpStatusCode.Conflict, "account-exists");

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = Json("{\"name\": \"x\", \"platform\": \"y\"}") };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":wrong password!!")));
        using var refused = await host.Http.SendAsync(wrong);
        await ProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
    }

    private async Task<(string AccountId, string Token, string DeviceId)> NewDeviceAsync()
    {
        var accountId = "p-" + Guid.NewGuid().ToString("N")[..12];
        using var created = await host.Http.PostAsync("/v1/accounts", Json("{\"accountId\": \"" + accountId + "\", \"password\": \"" + Password + "\"}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (token, deviceId) = await RegisterAsync(accountId);
        return (accountId, token, deviceId);
    }

    private async Task<(string Token, string DeviceId)> RegisterAsync(string accountId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = Json("{\"name\": \"phone\", \"platform\": \"android\"}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":" + Password)));
        using var response = await host.Http.SendAsync(request);
        var body = await JsonAsync(response, HttpStatusCode.Created);
        return (body.GetProperty("token").GetString()!, body.GetProperty("deviceId").GetString()!);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = Json(body);
        }

        return host.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> SendBytesAsync(string path, string token, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return host.Http.SendAsync(request);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
    }
}
