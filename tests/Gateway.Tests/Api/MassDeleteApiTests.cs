using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>The mass-delete guard over real HTTP: held back with <c>refused</c>, nothing applied; applied once confirmed.</summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class MassDeleteApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task A_request_deleting_most_of_a_collection_is_refused_until_confirmed()
    {
        var device = await _api.NewDeviceAsync("massdel");
        var seeded = await _api.SyncOneAsync(device, "notes", null, 1000, [.. Enumerable.Range(1, 150).Select(i => Put(i, "n-" + i))]);
        var cursor = seeded.GetProperty("cursor").GetString();
        var deletes = Enumerable.Range(1, 120).Select(i => Delete(1000 + i, "n-" + i)).ToArray();

        var refused = await _api.SyncOneAsync(device, "notes", cursor, null, [.. deletes.Select(d => (JsonObject)d.DeepClone())]);

        Assert.Empty(refused.GetProperty("results").EnumerateArray());
        var why = refused.GetProperty("refused");
        Assert.Equal("mass-delete", why.GetProperty("reason").GetString());
        Assert.Equal(120, why.GetProperty("deletes").GetInt32());
        Assert.Equal(150, why.GetProperty("liveItems").GetInt32());
        Assert.Equal(150, (await _api.PullAllAsync(device, "notes")).Count(i => !i.GetProperty("deleted").GetBoolean()));

        var body = new JsonObject
        {
            ["collections"] = new JsonArray(new JsonObject
            {
                ["name"] = "notes", ["cursor"] = cursor, ["confirmMassDelete"] = true,
                ["mutations"] = new JsonArray([.. deletes.Select(d => d.DeepClone())]),
            }),
        };
        var confirmed = (await _api.SyncAsync(device, body)).GetProperty("collections")[0];

        Assert.False(confirmed.TryGetProperty("refused", out _));
        Assert.Equal(120, confirmed.GetProperty("results").EnumerateArray().Count(r => r.GetProperty("status").GetString() == "applied"));
        Assert.Equal(30, (await _api.PullAllAsync(device, "notes")).Count(i => !i.GetProperty("deleted").GetBoolean()));
    }

    [Fact]
    public async Task A_confirmation_that_is_not_a_boolean_is_a_bad_request()
    {
        var device = await _api.NewDeviceAsync("massdel-bad");
        var body = """{"collections":[{"name":"notes","cursor":null,"confirmMassDelete":"yes","mutations":[]}]}""";
        using var response = await _api.SendAsync(HttpMethod.Post, "/v1/sync", device.Token, body);
        await ApiProblem.AssertAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }
}
