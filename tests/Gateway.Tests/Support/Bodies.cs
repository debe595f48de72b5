using System.Text;
using System.Text.Json.Nodes;

namespace DeviceSync.Gateway.Tests.Support;

/// <summary>Builds request bodies for parser tests.</summary>
public static class Bodies
{
    public static JsonObject Put(long id, string itemId = "c-1", JsonNode? data = null, long? baseVersion = 0) => Mutation(id, "put", itemId, data ?? new JsonObject { ["name"] = "Ann" }, baseVersion);

    public static JsonObject Delete(long id, string itemId = "c-1", long? baseVersion = 0) => Mutation(id, "delete", itemId, null, baseVersion);

    public static JsonObject Restore(long id, long version, string itemId = "c-1", JsonNode? data = null) =>
        new() { ["id"] = id, ["op"] = "restore", ["itemId"] = itemId, ["version"] = version, ["data"] = data ?? new JsonObject { ["name"] = "Bo" } };

    public static JsonObject Mutation(long id, string op, string itemId, JsonNode? data, long? baseVersion)
    {
        var m = new JsonObject { ["id"] = id, ["op"] = op, ["itemId"] = itemId };
        if (baseVersion is { } b)
        {
            m["baseVersion"] = b;
        }

        if (data is not null)
        {
            m["data"] = data;
        }

        return m;
    }

    public static JsonObject Collection(string name = "contacts", string? cursor = null, int? limit = null, params JsonObject[] mutations)
    {
        var c = new JsonObject { ["name"] = name, ["cursor"] = cursor };
        if (limit is { } l)
        {
            c["limit"] = l;
        }

        c["mutations"] = new JsonArray([.. mutations]);
        return c;
    }

    public static JsonObject SyncBody(params JsonObject[] collections) => new() { ["collections"] = new JsonArray([.. collections]) };

    public static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A data object whose serialized form is exactly <paramref name="bytes"/> bytes: {"v":"xxx..."}.</summary>
    public static string DataOfSize(int bytes) => "{\"v\":\"" + new string('x', bytes - 8) + "\"}";

    /// <summary>A sync body with one put whose raw data text is <paramref name="dataJson"/>.</summary>
    public static byte[] WithRawData(string dataJson) =>
        Utf8("{\"collections\":[{\"name\":\"notes\",\"mutations\":[{\"id\":1,\"op\":\"put\",\"itemId\":\"n-1\",\"data\":" + dataJson + "}]}]}");
}
