using System.Diagnostics;
using System.Net;

namespace DeviceSync.Gateway.Tests.Api;

[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class AccountsApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task Creates_an_account_once()
    {
        var accountId = ApiCluster.NewAccountId("acct");
        using var created = await _api.CreateAccountAsync(accountId);
        var body = await ApiClient.ReadJsonAsync(created, HttpStatusCode.Created);
        Assert.Equal(accountId, body.GetProperty("accountId").GetString());

        using var again = await _api.CreateAccountAsync(accountId, "another password entirely");
        await ApiProblem.AssertAsync(again, HttpStatusCode.Conflict, "account-exists");
    }

    [Theory]
    [InlineData("{\"accountId\": \"ab\", \"password\": \"123456789012\"}")]
    [InlineData("{\"accountId\": \"Has-Capitals\", \"password\": \"123456789012\"}")]
    [InlineData("{\"accountId\": \"{id}\", \"password\": \"12345678901\"}")]
    [InlineData("{\"accountId\": \"{id}\"}")]
    [InlineData("{\"accountId\": \"{id}\", \"password\": 123456789012}")]
    [InlineData("{\"accountId\": \"{id}\", \"password\": \"123456789012\"")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Rejects_bad_account_requests(string template)
    {
        var body = template.Replace("{id}", ApiCluster.NewAccountId("bad"), StringComparison.Ordinal);
        using var response = await _api.SendAsync(HttpMethod.Post, "/v1/accounts", body: body);
        await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Registers_a_device_with_the_password()
    {
        var device = await _api.NewDeviceAsync("reg");
        Assert.False(string.IsNullOrEmpty(device.DeviceId));
        Assert.StartsWith("ds1." + device.AccountId + "." + device.DeviceId + ".", device.Token, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_account_get_the_same_401()
    {
        var accountId = ApiCluster.NewAccountId("pw");
        using (var created = await _api.CreateAccountAsync(accountId))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var wrong = await _api.RegisterAsync(accountId, "not the password at all");
        using var unknown = await _api.RegisterAsync(ApiCluster.NewAccountId("nobody"), ApiClient.Password);
        using var invalidId = await _api.RegisterAsync("X", ApiClient.Password);
        await ApiProblem.AssertAsync(wrong, HttpStatusCode.Unauthorized, "unauthorized");
        await ApiProblem.AssertAsync(unknown, HttpStatusCode.Unauthorized, "unauthorized");
        await ApiProblem.AssertAsync(invalidId, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Registration_needs_basic_credentials_and_a_valid_body()
    {
        var accountId = ApiCluster.NewAccountId("body");
        using (await _api.CreateAccountAsync(accountId))
        {
        }

        using var missing = await _api.SendAsync(HttpMethod.Post, "/v1/devices", body: "{\"name\": \"x\", \"platform\": \"ios\"}");
        await ApiProblem.AssertAsync(missing, HttpStatusCode.Unauthorized, "unauthorized");

        foreach (var body in new[] { "{\"name\": \"\", \"platform\": \"ios\"}", "{\"name\": \"x\"}", "{\"name\": \"x\", \"platform\": 1}", "nope" })
        {
            using var response = await _api.SendAsync(HttpMethod.Post, "/v1/devices", body: body, configure: r => r.Headers.Authorization = ApiClient.Basic(accountId, ApiClient.Password));
            await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        }
    }

    [Fact]
    public async Task Lists_the_accounts_devices()
    {
        var phone = await _api.NewDeviceAsync("list");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        using var response = await _api.SendAsync(HttpMethod.Get, "/v1/devices", phone.Token);
        var body = await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK);
        var devices = body.GetProperty("devices").EnumerateArray().ToList();
        Assert.Equal(2, devices.Count);
        var listed = devices.Single(d => d.GetProperty("deviceId").GetString() == laptop.DeviceId);
        Assert.Equal("laptop", listed.GetProperty("name").GetString());
        Assert.Equal("android", listed.GetProperty("platform").GetString());
        Assert.True(listed.GetProperty("createdAt").TryGetDateTimeOffset(out _));
        Assert.True(listed.TryGetProperty("lastSeenAt", out _));
    }

    [Fact]
    public async Task A_revoked_token_is_dead_within_5_seconds_and_the_device_is_unlisted()
    {
        var phone = await _api.NewDeviceAsync("rev");
        var stolen = await _api.AddDeviceAsync(phone.AccountId, "stolen");

        // The stolen device works (and is cached by the gateway) before it is revoked.
        using (var before = await _api.SendAsync(HttpMethod.Get, "/v1/devices", stolen.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var revoked = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + stolen.DeviceId, phone.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        var dead = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            using var probe = await _api.SendAsync(HttpMethod.Post, "/v1/sync", stolen.Token, "{\"collections\": []}");
            if (probe.StatusCode == HttpStatusCode.Unauthorized)
            {
                dead = true;
                await ApiProblem.AssertAsync(probe, HttpStatusCode.Unauthorized, "unauthorized");
                Assert.Contains(probe.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(dead, "the revoked token still worked after 5 s");
        using (var list = await _api.SendAsync(HttpMethod.Get, "/v1/devices", stolen.Token))
        {
            await ApiProblem.AssertAsync(list, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using var listed = await _api.SendAsync(HttpMethod.Get, "/v1/devices", phone.Token);
        var devices = (await ApiClient.ReadJsonAsync(listed, HttpStatusCode.OK)).GetProperty("devices").EnumerateArray();
        Assert.DoesNotContain(devices, d => d.GetProperty("deviceId").GetString() == stolen.DeviceId);

        using var twice = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + stolen.DeviceId, phone.Token);
        await ApiProblem.AssertAsync(twice, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_device_of_another_account_cannot_be_revoked()
    {
        var mine = await _api.NewDeviceAsync("mine");
        var theirs = await _api.NewDeviceAsync("theirs");
        using var response = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + theirs.DeviceId, mine.Token);
        await ApiProblem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
        using var stillAlive = await _api.SendAsync(HttpMethod.Get, "/v1/devices", theirs.Token);
        Assert.Equal(HttpStatusCode.OK, stillAlive.StatusCode);

        using var unknown = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/no-such-device", mine.Token);
        await ApiProblem.AssertAsync(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Bearer_routes_reject_missing_malformed_and_forged_tokens()
    {
        var device = await _api.NewDeviceAsync("tok");
        string?[] tokens =
        [
            null,
            "",
            "garbage",
            "ds1.",
            "ds1.a.b",
            device.Token + "x",
            device.Token[..^4] + "AAAA",
            $"ds1.{device.AccountId}.not-a-device.{device.Token[(device.Token.LastIndexOf('.') + 1)..]}",
            $"ds1.{ApiCluster.NewAccountId("other")}.{device.DeviceId}.{device.Token[(device.Token.LastIndexOf('.') + 1)..]}",
        ];
        foreach (var token in tokens)
        {
            foreach (var (method, path, body) in new[] { (HttpMethod.Get, "/v1/devices", (string?)null), (HttpMethod.Post, "/v1/sync", "{\"collections\": []}"), (HttpMethod.Get, "/v1/conflicts", null) })
            {
                using var response = await _api.SendAsync(method, path, string.IsNullOrEmpty(token) ? null : token, body);
                await ApiProblem.AssertAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            }
        }

        using var basic = await _api.SendAsync(HttpMethod.Get, "/v1/devices", configure: r => r.Headers.Authorization = ApiClient.Basic(device.AccountId, device.Password));
        await ApiProblem.AssertAsync(basic, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_token_opens_its_own_account_only()
    {
        var alice = await _api.NewDeviceAsync("alice");
        var bob = await _api.NewDeviceAsync("bob");
        await _api.SyncOneAsync(alice, "notes", null, null, ApiClient.Put(1, "secret-note"));
        var bobs = await _api.PullAllAsync(bob, "notes");
        Assert.Empty(bobs);
        using var response = await _api.SendAsync(HttpMethod.Get, "/v1/devices", bob.Token);
        var devices = (await ApiClient.ReadJsonAsync(response, HttpStatusCode.OK)).GetProperty("devices").EnumerateArray().ToList();
        Assert.Equal(bob.DeviceId, Assert.Single(devices).GetProperty("deviceId").GetString());
    }
}
