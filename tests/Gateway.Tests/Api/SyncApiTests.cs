using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class SyncApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task A_put_is_applied_and_listed_in_changes()
    {
        var device = await _api.NewDeviceAsync("put");
        var result = await _api.SyncOneAsync(device, "contacts", null, null, Put(17, "c-1", new JsonObject { ["name"] = "Ann", ["n"] = 1.5 }, baseVersion: 0));

        var applied = Assert.Single(result.GetProperty("results").EnumerateArray());
        Assert.Equal(17, applied.GetProperty("id").GetInt64());
        Assert.Equal("applied", applied.GetProperty("status").GetString());
        var version = applied.GetProperty("version").GetInt64();
        Assert.InRange(version, 1, (1L << 53) - 1);

        var change = Assert.Single(result.GetProperty("changes").EnumerateArray());
        Assert.Equal("c-1", change.GetProperty("itemId").GetString());
        Assert.Equal(version, change.GetProperty("version").GetInt64());
        Assert.False(change.GetProperty("deleted").GetBoolean());
        Assert.Equal("Ann", change.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal(1.5, change.GetProperty("data").GetProperty("n").GetDouble());
        Assert.Equal(device.DeviceId, change.GetProperty("modifiedBy").GetString());
        Assert.EndsWith("Z", change.GetProperty("modifiedAt").GetString(), StringComparison.Ordinal);
        Assert.True(change.GetProperty("modifiedAt").TryGetDateTimeOffset(out _));

        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), result.GetProperty("cursor").GetString());
        Assert.False(result.GetProperty("hasMore").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("resync").ValueKind);
    }

    [Fact]
    public async Task Resending_a_request_applies_nothing_twice()
    {
        var device = await _api.NewDeviceAsync("dup");
        var request = new JsonObject
        {
            ["collections"] = new JsonArray(new JsonObject { ["name"] = "tasks", ["cursor"] = null, ["mutations"] = new JsonArray(Put(5, "t-1"), Put(6, "t-2")) }),
        };
        var first = await _api.SyncAsync(device, request.DeepClone());
        var second = await _api.SyncAsync(device, request.DeepClone());

        var applied = first.GetProperty("collections")[0].GetProperty("results").EnumerateArray().ToList();
        var duplicates = second.GetProperty("collections")[0].GetProperty("results").EnumerateArray().ToList();
        Assert.All(applied, r => Assert.Equal("applied", r.GetProperty("status").GetString()));
        Assert.Equal(2, duplicates.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("duplicate", duplicates[i].GetProperty("status").GetString());
            Assert.Equal(applied[i].GetProperty("id").GetInt64(), duplicates[i].GetProperty("id").GetInt64());
            Assert.Equal(applied[i].GetProperty("version").GetInt64(), duplicates[i].GetProperty("version").GetInt64());
        }

        Assert.Equal(2, (await _api.PullAllAsync(device, "tasks")).Count);
    }

    [Fact]
    public async Task A_lost_conflict_is_archived_and_listed()
    {
        var phone = await _api.NewDeviceAsync("conf");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        var won = await _api.SyncOneAsync(phone, "contacts", null, null, Put(1, "c-9", new JsonObject { ["name"] = "phone" }, baseVersion: 0));
        var version = won.GetProperty("results")[0].GetProperty("version").GetInt64();

        var lost = await _api.SyncOneAsync(laptop, "contacts", null, null, Put(40, "c-9", new JsonObject { ["name"] = "laptop" }, baseVersion: 0));
        var conflict = lost.GetProperty("results")[0];
        Assert.Equal("conflict", conflict.GetProperty("status").GetString());
        Assert.Equal(40, conflict.GetProperty("id").GetInt64());
        var current = conflict.GetProperty("current");
        Assert.Equal("c-9", current.GetProperty("itemId").GetString());
        Assert.Equal(version, current.GetProperty("version").GetInt64());
        Assert.False(current.GetProperty("deleted").GetBoolean());
        Assert.Equal("phone", current.GetProperty("data").GetProperty("name").GetString());

        using var one = await _api.SendAsync(HttpMethod.Get, "/v1/conflicts?collection=contacts", phone.Token);
        var page = await ReadJsonAsync(one, HttpStatusCode.OK);
        var archived = Assert.Single(page.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("contacts", archived.GetProperty("collection").GetString());
        Assert.Equal("c-9", archived.GetProperty("itemId").GetString());
        Assert.Equal(laptop.DeviceId, archived.GetProperty("deviceId").GetString());
        Assert.Equal(40, archived.GetProperty("mutationId").GetInt64());
        Assert.True(archived.GetProperty("at").TryGetDateTimeOffset(out _));
        Assert.Equal("laptop", archived.GetProperty("data").GetProperty("name").GetString());
        Assert.False(archived.GetProperty("deleted").GetBoolean());
        Assert.Equal(version, archived.GetProperty("serverVersion").GetInt64());
        Assert.False(page.GetProperty("hasMore").GetBoolean());
        Assert.True(page.TryGetProperty("cursor", out _));

        using var all = await _api.SendAsync(HttpMethod.Get, "/v1/conflicts", laptop.Token);
        var across = await ReadJsonAsync(all, HttpStatusCode.OK);
        Assert.Contains(across.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("collection").GetString() == "contacts" && c.GetProperty("mutationId").GetInt64() == 40);

        using var other = await _api.SendAsync(HttpMethod.Get, "/v1/conflicts?collection=notes", phone.Token);
        Assert.Empty((await ReadJsonAsync(other, HttpStatusCode.OK)).GetProperty("conflicts").EnumerateArray());
    }

    [Fact]
    public async Task Conflict_pages_follow_the_cursor()
    {
        var phone = await _api.NewDeviceAsync("cpage");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        await _api.SyncOneAsync(phone, "notes", null, null, [.. Enumerable.Range(1, 3).Select(i => Put(i, $"n-{i}", baseVersion: 0))]);
        await _api.SyncOneAsync(laptop, "notes", null, null, [.. Enumerable.Range(1, 3).Select(i => Put(100 + i, $"n-{i}", baseVersion: 0))]);

        var seen = new List<long>();
        string? cursor = null;
        for (var guard = 0; guard < 10; guard++)
        {
            var path = "/v1/conflicts?collection=notes&limit=2" + (cursor is null ? "" : "&cursor=" + cursor);
            using var response = await _api.SendAsync(HttpMethod.Get, path, phone.Token);
            var page = await ReadJsonAsync(response, HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("conflicts").EnumerateArray().Select(c => c.GetProperty("mutationId").GetInt64()));
            cursor = page.GetProperty("cursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal([101L, 102L, 103L], seen.Order());
    }

    [Fact]
    public async Task Deletes_leave_tombstones_in_changes()
    {
        var device = await _api.NewDeviceAsync("del");
        var put = await _api.SyncOneAsync(device, "notes", null, null, Put(1, "n-1", baseVersion: 0));
        var version = put.GetProperty("results")[0].GetProperty("version").GetInt64();
        var cursor = put.GetProperty("cursor").GetString();

        var deleted = await _api.SyncOneAsync(device, "notes", cursor, null, Delete(2, "n-1", baseVersion: version));
        Assert.Equal("applied", deleted.GetProperty("results")[0].GetProperty("status").GetString());
        var tombstone = Assert.Single(deleted.GetProperty("changes").EnumerateArray());
        Assert.Equal("n-1", tombstone.GetProperty("itemId").GetString());
        Assert.True(tombstone.GetProperty("deleted").GetBoolean());
        Assert.True(!tombstone.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null);
        Assert.True(tombstone.GetProperty("version").GetInt64() > version);

        var all = await _api.PullAllAsync(device, "notes");
        Assert.True(Assert.Single(all).GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task A_put_on_a_tombstone_version_recreates_the_item()
    {
        var device = await _api.NewDeviceAsync("recreate");
        var put = await _api.SyncOneAsync(device, "notes", null, null, Put(1, "n-1", baseVersion: 0));
        var v1 = put.GetProperty("results")[0].GetProperty("version").GetInt64();
        var del = await _api.SyncOneAsync(device, "notes", null, null, Delete(2, "n-1", baseVersion: v1));
        var v2 = del.GetProperty("results")[0].GetProperty("version").GetInt64();
        var again = await _api.SyncOneAsync(device, "notes", null, null, Put(3, "n-1", new JsonObject { ["back"] = true }, baseVersion: v2));
        Assert.Equal("applied", again.GetProperty("results")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Paging_lists_every_item_once_in_version_order()
    {
        var device = await _api.NewDeviceAsync("page");
        await _api.SyncOneAsync(device, "tasks", null, null, [.. Enumerable.Range(1, 7).Select(i => Put(i, $"t-{i}"))]);

        var first = await _api.SyncOneAsync(device, "tasks", null, 3);
        Assert.Equal(3, first.GetProperty("changes").GetArrayLength());
        Assert.True(first.GetProperty("hasMore").GetBoolean());

        var all = await _api.PullAllAsync(device, "tasks", limit: 3);
        Assert.Equal(7, all.Count);
        Assert.Equal(7, all.Select(c => c.GetProperty("itemId").GetString()).Distinct().Count());
        var versions = all.Select(c => c.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task Restore_hands_back_data_the_server_lacks()
    {
        var device = await _api.NewDeviceAsync("restore");
        var restored = await _api.SyncOneAsync(device, "photos", null, null, Restore(1, "p-1", 37, new JsonObject { ["photo"] = "sha256:00" }));
        var applied = restored.GetProperty("results")[0];
        Assert.Equal("applied", applied.GetProperty("status").GetString());
        var version = applied.GetProperty("version").GetInt64();

        var same = await _api.SyncOneAsync(device, "photos", null, null, Restore(2, "p-1", version));
        Assert.Equal("duplicate", same.GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(version, same.GetProperty("results")[0].GetProperty("version").GetInt64());

        // The pulled item says how old the copy is (the version it was handed back at); an ordinary put's item does not.
        await _api.SyncOneAsync(device, "photos", null, null, Put(3, "p-2"));
        var items = (await _api.PullAllAsync(device, "photos")).ToDictionary(i => i.GetProperty("itemId").GetString()!);
        Assert.Equal("sha256:00", items["p-1"].GetProperty("data").GetProperty("photo").GetString());
        Assert.Equal(37, items["p-1"].GetProperty("handedBackVersion").GetInt64());
        Assert.False(items["p-2"].TryGetProperty("handedBackVersion", out _));
    }

    [Fact]
    public async Task A_cursor_ahead_of_the_server_starts_a_resync()
    {
        var device = await _api.NewDeviceAsync("behind");
        await _api.SyncOneAsync(device, "calendar", null, null, Put(1, "e-1"));
        var result = await _api.SyncOneAsync(device, "calendar", "999999");
        var resync = result.GetProperty("resync");
        Assert.Equal("server-behind", resync.GetProperty("reason").GetString());
        Assert.True(resync.GetProperty("safeVersion").GetInt64() >= 0);
        Assert.Empty(result.GetProperty("changes").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("cursor").ValueKind);
    }

    [Fact]
    public async Task Collections_in_one_request_are_independent()
    {
        var device = await _api.NewDeviceAsync("multi");
        var answer = await _api.SyncAsync(device, new JsonObject
        {
            ["collections"] = new JsonArray(
                new JsonObject { ["name"] = "contacts", ["mutations"] = new JsonArray(Put(1, "c-1")) },
                new JsonObject { ["name"] = "notes", ["mutations"] = new JsonArray(Put(2, "n-1")) },
                new JsonObject { ["name"] = "tasks" }),
        });
        var collections = answer.GetProperty("collections").EnumerateArray().ToList();
        Assert.Equal(["contacts", "notes", "tasks"], collections.Select(c => c.GetProperty("name").GetString()));
        Assert.Single(collections[0].GetProperty("changes").EnumerateArray());
        Assert.Single(collections[1].GetProperty("changes").EnumerateArray());
        Assert.Empty(collections[2].GetProperty("changes").EnumerateArray());
    }

    [Theory]
    [InlineData("{\"collections\": [{\"name\": \"Bad_Name\"}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\"}, {\"name\": \"notes\"}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"cursor\": \"01\"}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"cursor\": 5}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"limit\": 0}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"limit\": 1001}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 0, \"op\": \"put\", \"itemId\": \"a\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 9007199254740992, \"op\": \"put\", \"itemId\": \"a\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1.5, \"op\": \"put\", \"itemId\": \"a\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"upsert\", \"itemId\": \"a\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"put\", \"itemId\": \"a b\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"put\", \"itemId\": \"a\"}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"put\", \"itemId\": \"a\", \"data\": [1]}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"put\", \"itemId\": \"a\", \"data\": {}, \"baseVersion\": -1}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\", \"mutations\": [{\"id\": 1, \"op\": \"restore\", \"itemId\": \"a\", \"data\": {}}]}]}")]
    [InlineData("{\"collections\": [{\"name\": \"notes\"}]")]
    [InlineData("{\"collections\": {}}")]
    [InlineData("")]
    public async Task Breaking_a_rule_is_400(string body)
    {
        var device = await _api.NewDeviceAsync("rule");
        using var response = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, body);
        await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task A_rejected_request_applies_none_of_its_mutations()
    {
        var device = await _api.NewDeviceAsync("atomic");
        var body = new JsonObject
        {
            ["collections"] = new JsonArray(
                new JsonObject { ["name"] = "notes", ["mutations"] = new JsonArray(Put(1, "good-1"), Put(2, "good-2")) },
                new JsonObject { ["name"] = "tasks", ["mutations"] = new JsonArray(Put(3, "good-3"), Put(4, "bad item id")) }),
        };
        using var response = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, body.ToJsonString());
        await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Empty(await _api.PullAllAsync(device, "notes"));
        Assert.Empty(await _api.PullAllAsync(device, "tasks"));

        // The ids were not consumed either: the same ids apply once the request is fixed.
        var fixedRequest = await _api.SyncOneAsync(device, "notes", null, null, Put(1, "good-1"));
        Assert.Equal("applied", fixedRequest.GetProperty("results")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Item_data_over_256_KiB_is_413()
    {
        var device = await _api.NewDeviceAsync("big");
        var exact = "{\"v\":\"" + new string('x', (256 * 1024) - 8) + "\"}";
        var ok = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, "{\"collections\":[{\"name\":\"notes\",\"mutations\":[{\"id\":1,\"op\":\"put\",\"itemId\":\"n\",\"data\":" + exact + "}]}]}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        ok.Dispose();

        var over = "{\"v\":\"" + new string('x', (256 * 1024) - 7) + "\"}";
        using var response = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, "{\"collections\":[{\"name\":\"notes\",\"mutations\":[{\"id\":2,\"op\":\"put\",\"itemId\":\"n\",\"data\":" + over + "}]}]}");
        await ApiProblem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task A_body_over_4_MiB_is_413()
    {
        var device = await _api.NewDeviceAsync("huge");
        var body = new byte[(4 * 1024 * 1024) + 1];
        Array.Fill(body, (byte)' ');
        using var response = await _api.SendBytesAsync(HttpMethod.Post, "/v1/sync", device.Token, body);
        await ApiProblem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task Too_many_collections_or_mutations_is_413()
    {
        var device = await _api.NewDeviceAsync("count");
        var collections = new JsonArray([.. Enumerable.Range(0, 17).Select(i => (JsonNode)new JsonObject { ["name"] = $"c{i}" })]);
        using var many = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, new JsonObject { ["collections"] = collections }.ToJsonString());
        await ApiProblem.AssertAsync(many, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        var mutations = new JsonArray([.. Enumerable.Range(1, 501).Select(i => (JsonNode)Put(i, $"i-{i}"))]);
        using var tooMany = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, new JsonObject { ["collections"] = new JsonArray(new JsonObject { ["name"] = "notes", ["mutations"] = mutations }) }.ToJsonString());
        await ApiProblem.AssertAsync(tooMany, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Theory]
    [InlineData("/v1/nope")]
    [InlineData("/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("/")]
    public async Task Unknown_routes_are_404_problems(string path)
    {
        var device = await _api.NewDeviceAsync("route");
        using var response = await _api.SendAsync(HttpMethod.Get, path, device.Token);
        await ApiProblem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Conflict_queries_are_validated()
    {
        var device = await _api.NewDeviceAsync("cq");
        foreach (var query in new[] { "?collection=Bad", "?collection=notes&cursor=x", "?limit=0", "?limit=501", "?cursor=17" })
        {
            using var response = await _api.SendAsync(HttpMethod.Get, "/v1/conflicts" + query, device.Token);
            await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        }
    }

    [Fact]
    public async Task A_small_answer_has_a_length_and_a_large_one_is_streamed_whole()
    {
        var device = await _api.NewDeviceAsync("shape");
        var sync = new JsonObject { ["collections"] = new JsonArray(new JsonObject { ["name"] = "notes", ["cursor"] = null }) }.ToJsonString();
        using (var small = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, sync))
        {
            var text = await small.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
            Assert.NotEqual(true, small.Headers.TransferEncodingChunked);
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), small.Content.Headers.ContentLength);
            Assert.Equal("application/json", small.Content.Headers.ContentType?.MediaType);
        }

        // 12 items of ~20 KB: one page of ~240 KB, past the gateway's 64 KiB flush threshold.
        var filler = new string('x', 20_000);
        await _api.SyncOneAsync(device, "notes", null, null, [.. Enumerable.Range(1, 12).Select(i => Put(i, $"n-{i}", new JsonObject { ["text"] = filler, ["i"] = i }))]);
        using var large = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, sync);
        Assert.Equal(HttpStatusCode.OK, large.StatusCode);
        Assert.True(large.Headers.TransferEncodingChunked);
        using var answer = JsonDocument.Parse(await large.Content.ReadAsStringAsync());
        var changes = answer.RootElement.GetProperty("collections")[0].GetProperty("changes");
        Assert.Equal(12, changes.GetArrayLength());
        Assert.All(changes.EnumerateArray(), c => Assert.Equal(filler, c.GetProperty("data").GetProperty("text").GetString()));
    }
}
