using System.Net;
using System.Text.Json;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>Digest routes over real HTTP: the device's own account, and any account behind the admin key.</summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class DigestApiTests(ApiCluster cluster)
{
    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task Device_and_admin_routes_agree_and_a_write_changes_the_digest()
    {
        var device = await _api.NewDeviceAsync("digest");
        await _api.SyncOneAsync(device, "notes", null, null, Put(1, "n-1"), Put(2, "n-2"));
        await _api.SyncOneAsync(device, "tasks", null, null, Put(3, "t-1"));

        var mine = await DigestsAsync(device.Token, "/v1/digests");
        var admin = await DigestsAsync(null, $"/v1/admin/accounts/{device.AccountId}/digests", cluster.AdminKey);

        Assert.Equal(["notes", "tasks"], mine.Keys);
        Assert.Equal(mine, admin);
        await _api.SyncOneAsync(device, "notes", null, null, Delete(4, "n-1"));
        var after = await DigestsAsync(device.Token, "/v1/digests");
        Assert.NotEqual(mine["notes"], after["notes"]);
        Assert.Equal(mine["tasks"], after["tasks"]);
    }

    [Fact]
    public async Task The_admin_route_needs_the_key_and_a_valid_account_id()
    {
        using var noKey = await _api.SendAsync(HttpMethod.Get, "/v1/admin/accounts/alice/digests");
        Assert.True(noKey.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, noKey.StatusCode.ToString());
        using var bad = await _api.SendAsync(HttpMethod.Get, "/v1/admin/accounts/NOT%20VALID/digests", configure: r => r.Headers.Add("X-Admin-Key", cluster.AdminKey));
        await ApiProblem.AssertAsync(bad, HttpStatusCode.BadRequest, "invalid-request");
        using var anonymous = await _api.SendAsync(HttpMethod.Get, "/v1/digests");
        await ApiProblem.AssertAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
    }

    private async Task<Dictionary<string, string>> DigestsAsync(string? bearer, string path, string? adminKey = null)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, path, bearer, configure: adminKey is null ? null : r => r.Headers.Add("X-Admin-Key", adminKey));
        var answer = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("devicesync-digest-v1", answer.GetProperty("algorithm").GetString());
        return answer.GetProperty("collections").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => c.GetProperty("digest").GetString() + "/" + c.GetProperty("items").GetInt32() + "/" + c.GetProperty("headVersion").GetString());
    }
}
