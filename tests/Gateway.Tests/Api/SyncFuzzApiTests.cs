using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DeviceSync.Gateway.Sync;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// Malformed /v1/sync bodies over real HTTP: never a 5xx, and the collection they aim at is unchanged afterwards.
/// Only bodies the gateway's own parser rejects are sent, so "unchanged" is exactly what must hold.
/// </summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class SyncFuzzApiTests(ApiCluster cluster)
{
    private const int Bodies = 1_200;
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task Malformed_sync_bodies_never_get_a_5xx_and_change_nothing()
    {
        var device = await _api.NewDeviceAsync("fuzz");
        await _api.SyncOneAsync(device, "notes", null, null, ApiClient.Put(1, "keep-1"), ApiClient.Put(2, "keep-2"));
        var before = Snapshot(await _api.PullAllAsync(device, "notes"));

        var random = new Random(1126);
        var bodies = new List<byte[]>();
        while (bodies.Count < Bodies)
        {
            var body = Mutate(random, Seed(random));
            if (!SyncRequestParser.Parse(body).IsValid)
            {
                bodies.Add(body);
            }
        }

        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (body, _) =>
        {
            using var response = await _api.SendBytesAsync(HttpMethod.Post, "/v1/sync", device.Token, body);
            statuses.Add((int)response.StatusCode);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)])}");
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge });
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        });

        Assert.Equal(Bodies, statuses.Count);
        Assert.Equal(before, Snapshot(await _api.PullAllAsync(device, "notes")));
        using var alive = await _api.SendAsync(HttpMethod.Get, "/healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    private static string Snapshot(List<System.Text.Json.JsonElement> changes) =>
        string.Join(";", changes.Select(c => c.GetProperty("itemId").GetString() + "@" + c.GetProperty("version").GetInt64()).Order(StringComparer.Ordinal));

    private static byte[] Seed(Random random)
    {
        var mutations = new JsonArray();
        for (var i = 0; i < random.Next(1, 4); i++)
        {
            mutations.Add(ApiClient.Put(100 + random.Next(1000), $"fuzz-{random.Next(100)}", new JsonObject { ["v"] = random.Next() }, random.Next(2) == 0 ? null : random.Next(5)));
        }

        var body = new JsonObject { ["collections"] = new JsonArray(new JsonObject { ["name"] = "notes", ["cursor"] = null, ["mutations"] = mutations }) };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = seed.ToList();
        string[] fragments = ["{", "}", "[", "]", "\"", ",", ":", "null", "-1", "1.5", "1e999", "9007199254740992", "\\ud800", "\"id\":1,", "\"name\":\"x\","];
        switch (random.Next(8))
        {
            case 0:
                var noise = new byte[random.Next(1, 200)];
                random.NextBytes(noise);
                return noise;
            case 1:
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 2:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                return [.. bytes];
            case 3:
                bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(fragments[random.Next(fragments.Length)]));
                return [.. bytes];
            case 4:
                bytes.InsertRange(random.Next(bytes.Count + 1), new byte[] { 0xC3, 0x28 });
                return [.. bytes];
            case 5:
                var depth = random.Next(65, 300);
                return Encoding.UTF8.GetBytes("{\"collections\":[{\"name\":\"notes\",\"mutations\":[{\"id\":5,\"op\":\"put\",\"itemId\":\"x\",\"data\":{\"d\":" + new string('[', depth) + new string(']', depth) + "}}]}]}");
            case 6:
                var text = Encoding.UTF8.GetString(seed);
                return Encoding.UTF8.GetBytes(text.Replace("\"op\":\"put\"", random.Next(2) == 0 ? "\"op\":\"PUT\"" : "\"op\":7", StringComparison.Ordinal));
            default:
                var replaced = Encoding.UTF8.GetString(seed).Replace("\"id\":1", "\"id\":" + (random.Next(3) switch { 0 => "0", 1 => "1.5", _ => "\"1\"" }), StringComparison.Ordinal);
                return Encoding.UTF8.GetBytes(replaced.Replace("\"itemId\":\"fuzz-", "\"itemId\":\"fuzz /", StringComparison.Ordinal));
        }
    }
}
