using System.Text.Json;
using DeviceSync.Testing;

namespace DeviceSync.Client.Tests.Support;

/// <summary>Builds devices that talk to a <see cref="ScriptedHandler"/>, and reads the requests they sent.</summary>
public static class FakeGateway
{
    public static Device NewDevice(ScriptedHandler handler, IDeviceStore? store = null, DeviceOptions? options = null, RetryOptions? retry = null, TimeProvider? time = null)
    {
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://gateway.test/") };
        var client = new SyncClient(http, retry ?? new RetryOptions(), time ?? new ImmediateTimeProvider());
        return new Device(client.Connect(new DeviceCredentials("acct", "dev-1", "ds1.acct.dev-1.secret")), store ?? new InMemoryDeviceStore(), options);
    }

    public static JsonElement Collection(JsonElement? body, string name) =>
        body!.Value.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static string? Cursor(JsonElement collection) =>
        collection.GetProperty("cursor").ValueKind == JsonValueKind.Null ? null : collection.GetProperty("cursor").GetString();

    /// <summary>The collection's mutations as (id, op, itemId, baseVersion or restore version).</summary>
    public static List<(long Id, string Op, string ItemId, long? Version)> Mutations(JsonElement collection) =>
        [.. collection.GetProperty("mutations").EnumerateArray().Select(m => (
            m.GetProperty("id").GetInt64(),
            m.GetProperty("op").GetString()!,
            m.GetProperty("itemId").GetString()!,
            m.TryGetProperty("version", out var v) ? v.GetInt64() : m.TryGetProperty("baseVersion", out var b) ? b.GetInt64() : (long?)null))];

    /// <summary>A one-collection answer.</summary>
    public static HttpResponseMessage Answer(string name, string results = "", string changes = "", string? cursor = "0", bool hasMore = false, string? resync = null) =>
        ScriptedHandler.Json($$"""
            {"collections":[{"name":"{{name}}","results":[{{results}}],"changes":[{{changes}}],
              "cursor":{{(cursor is null ? "null" : "\"" + cursor + "\"")}},"hasMore":{{(hasMore ? "true" : "false")}},
              "resync":{{resync ?? "null"}}}]}
            """);

    public static string Item(string itemId, long version, string? data) => data is null
        ? $$"""{"itemId":"{{itemId}}","version":{{version}},"deleted":true,"modifiedAt":"2026-03-02T09:15:04.517Z","modifiedBy":"other"}"""
        : $$"""{"itemId":"{{itemId}}","version":{{version}},"deleted":false,"data":{{data}},"modifiedAt":"2026-03-02T09:15:04Z","modifiedBy":"other"}""";
}
