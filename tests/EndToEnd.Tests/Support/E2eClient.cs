using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>Speaks PROTOCOL.md to one gateway over real HTTP, as a device does.</summary>
public sealed class E2eClient(HttpClient http)
{
    public const string Password = "correct horse battery staple";

    public HttpClient Http => http;

    /// <summary>A fresh, unique account id (valid per PROTOCOL.md).</summary>
    public static string NewAccountId(string hint) => $"{hint}-{Guid.NewGuid():N}"[..Math.Min(40, hint.Length + 33)];

    /// <summary>A new password account with one registered device.</summary>
    public async Task<E2eDevice> NewAccountAsync(string hint)
    {
        var accountId = NewAccountId(hint);
        using var created = await SendAsync(HttpMethod.Post, "/v1/accounts", null, new JsonObject { ["accountId"] = accountId, ["password"] = Password }.ToJsonString());
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"create {accountId}: {(int)created.StatusCode} {text}");
        return await AddDeviceAsync(accountId);
    }

    /// <summary>Registers another device of a password account (a fresh device: it has seen nothing).</summary>
    public async Task<E2eDevice> AddDeviceAsync(string accountId, string name = "fresh")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/devices")
        {
            Content = new StringContent(new JsonObject { ["name"] = name, ["platform"] = "android" }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":" + Password)));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register on {accountId}: {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        return new E2eDevice(accountId, json.RootElement.GetProperty("deviceId").GetString()!, json.RootElement.GetProperty("token").GetString()!);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, string? body = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary>POST /v1/sync with a raw body; whatever the status.</summary>
    public async Task<SyncAnswer> SyncRawAsync(E2eDevice device, string body, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/sync", device.Token, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var retryAfter = response.Headers.RetryAfter is { } header
            ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        return new SyncAnswer(response.StatusCode, text, response.Content.Headers.ContentType?.MediaType, retryAfter);
    }

    /// <summary>One collection, one request; asserts 200 and returns that collection's part of the answer.</summary>
    public async Task<JsonElement> SyncOneAsync(E2eDevice device, string collection, string? cursor, params JsonObject[] mutations)
    {
        var answer = await SyncRawAsync(device, Body(collection, cursor, mutations));
        Assert.True(answer.IsOk, $"sync {device.AccountId}/{collection}: {answer}");
        return Assert.Single(answer.Json().GetProperty("collections").EnumerateArray());
    }

    /// <summary>Every item of a collection, read from <c>cursor: null</c> following <c>hasMore</c>: itemId → (version, deleted).</summary>
    public async Task<Dictionary<string, (long Version, bool Deleted)>> PullAllAsync(E2eDevice device, string collection)
    {
        var items = new Dictionary<string, (long Version, bool Deleted)>(StringComparer.Ordinal);
        string? cursor = null;
        for (var page = 0; page < 10_000; page++)
        {
            var part = await SyncOneAsync(device, collection, cursor, limit: 1000);
            Assert.Equal(JsonValueKind.Null, part.GetProperty("resync").ValueKind);
            foreach (var change in part.GetProperty("changes").EnumerateArray())
            {
                items[change.GetProperty("itemId").GetString()!] = (change.GetProperty("version").GetInt64(), change.GetProperty("deleted").GetBoolean());
            }

            cursor = part.GetProperty("cursor").GetString();
            if (!part.GetProperty("hasMore").GetBoolean())
            {
                return items;
            }
        }

        throw new InvalidOperationException("Paging did not end.");
    }

    private async Task<JsonElement> SyncOneAsync(E2eDevice device, string collection, string? cursor, int limit)
    {
        var answer = await SyncRawAsync(device, Body(collection, cursor, [], limit));
        Assert.True(answer.IsOk, $"pull {device.AccountId}/{collection}: {answer}");
        return Assert.Single(answer.Json().GetProperty("collections").EnumerateArray());
    }

    public static string Body(string collection, string? cursor, IEnumerable<JsonObject> mutations, int? limit = null)
    {
        var part = new JsonObject { ["name"] = collection, ["cursor"] = cursor, ["mutations"] = new JsonArray([.. mutations]) };
        if (limit is { } l)
        {
            part["limit"] = l;
        }

        return new JsonObject { ["collections"] = new JsonArray(part) }.ToJsonString();
    }

    /// <summary>A put of an item the device believes new (<c>baseVersion: 0</c>): applying it twice would be a conflict.</summary>
    public static JsonObject PutNew(long id, string itemId) =>
        new() { ["id"] = id, ["op"] = "put", ["itemId"] = itemId, ["baseVersion"] = 0, ["data"] = new JsonObject { ["n"] = id, ["item"] = itemId } };
}
