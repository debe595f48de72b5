using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>Speaks PROTOCOL.md to the gateway over real HTTP, as a device does.</summary>
public sealed class ApiClient(Func<HttpClient> http)
{
    public const string Password = "correct horse battery staple";

    public ApiClient(ApiCluster cluster)
        : this(() => cluster.Http)
    {
    }

    public HttpClient Http => http();

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, string? body = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        configure?.Invoke(request);
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> SendBytesAsync(HttpMethod method, string path, string? bearer, byte[] body)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> CreateAccountAsync(string accountId, string password = Password) =>
        SendAsync(HttpMethod.Post, "/v1/accounts", body: new JsonObject { ["accountId"] = accountId, ["password"] = password }.ToJsonString());

    public Task<HttpResponseMessage> RegisterAsync(string accountId, string password, string name = "phone", string platform = "android") =>
        SendAsync(
            HttpMethod.Post,
            "/v1/devices",
            body: new JsonObject { ["name"] = name, ["platform"] = platform }.ToJsonString(),
            configure: r => r.Headers.Authorization = Basic(accountId, password));

    public static AuthenticationHeaderValue Basic(string accountId, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":" + password)));

    /// <summary>A new account with one registered device.</summary>
    public async Task<ApiDevice> NewDeviceAsync(string hint = "t")
    {
        var accountId = ApiCluster.NewAccountId(hint);
        using var created = await CreateAccountAsync(accountId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await AddDeviceAsync(accountId);
    }

    /// <summary>Another device of an existing (password) account.</summary>
    public async Task<ApiDevice> AddDeviceAsync(string accountId, string name = "phone")
    {
        using var response = await RegisterAsync(accountId, Password, name);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        return new ApiDevice(accountId, Password, json.RootElement.GetProperty("deviceId").GetString()!, json.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>POST /v1/sync; asserts 200 and returns the body.</summary>
    public async Task<JsonElement> SyncAsync(ApiDevice device, JsonNode body)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", device.Token, body.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One collection's part of a sync answer.</summary>
    public async Task<JsonElement> SyncOneAsync(ApiDevice device, string collection, string? cursor = null, int? limit = null, params JsonObject[] mutations)
    {
        var part = new JsonObject { ["name"] = collection, ["cursor"] = cursor, ["mutations"] = new JsonArray([.. mutations]) };
        if (limit is { } l)
        {
            part["limit"] = l;
        }

        var answer = await SyncAsync(device, new JsonObject { ["collections"] = new JsonArray(part) });
        var result = Assert.Single(answer.GetProperty("collections").EnumerateArray());
        Assert.Equal(collection, result.GetProperty("name").GetString());
        return result;
    }

    /// <summary>Every change of a collection from the start, following hasMore.</summary>
    public async Task<List<JsonElement>> PullAllAsync(ApiDevice device, string collection, int limit = 1000)
    {
        var changes = new List<JsonElement>();
        string? cursor = null;
        for (var page = 0; page < 10_000; page++)
        {
            var result = await SyncOneAsync(device, collection, cursor, limit);
            Assert.Equal(JsonValueKind.Null, result.GetProperty("resync").ValueKind);
            changes.AddRange(result.GetProperty("changes").EnumerateArray());
            cursor = result.GetProperty("cursor").GetString();
            if (!result.GetProperty("hasMore").GetBoolean())
            {
                return changes;
            }
        }

        throw new InvalidOperationException("Paging did not end.");
    }

    public static JsonObject Put(long id, string itemId, JsonNode? data = null, long? baseVersion = null)
    {
        var m = new JsonObject { ["id"] = id, ["op"] = "put", ["itemId"] = itemId, ["data"] = data ?? new JsonObject { ["name"] = itemId } };
        if (baseVersion is { } b)
        {
            m["baseVersion"] = b;
        }

        return m;
    }

    public static JsonObject Delete(long id, string itemId, long? baseVersion = null)
    {
        var m = new JsonObject { ["id"] = id, ["op"] = "delete", ["itemId"] = itemId };
        if (baseVersion is { } b)
        {
            m["baseVersion"] = b;
        }

        return m;
    }

    public static JsonObject Restore(long id, string itemId, long version, JsonNode? data = null) =>
        new() { ["id"] = id, ["op"] = "restore", ["itemId"] = itemId, ["version"] = version, ["data"] = data ?? new JsonObject { ["restored"] = true } };

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
