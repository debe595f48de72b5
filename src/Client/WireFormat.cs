using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeviceSync.Client;

/// <summary>Reads and writes the protocol's JSON. Item data is kept as raw JSON text and written back verbatim.</summary>
internal static class WireFormat
{
    public static byte[] SyncRequest(IReadOnlyList<SyncCollectionRequest> collections)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("collections");
            foreach (var c in collections)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                if (c.Cursor is null)
                {
                    w.WriteNull("cursor");
                }
                else
                {
                    w.WriteString("cursor", c.Cursor);
                }

                if (c.Limit is { } limit)
                {
                    w.WriteNumber("limit", limit);
                }

                if (c.ConfirmMassDelete)
                {
                    w.WriteBoolean("confirmMassDelete", true);
                }

                w.WriteStartArray("mutations");
                foreach (var m in c.Mutations)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", m.Id);
                    w.WriteString("op", m.Op switch
                    {
                        MutationOp.Put => "put",
                        MutationOp.Delete => "delete",
                        MutationOp.Restore => "restore",
                        _ => throw new ArgumentException("Mutation " + m.Id + " has no op."),
                    });
                    w.WriteString("itemId", m.ItemId);
                    if (m.Op == MutationOp.Restore)
                    {
                        w.WriteNumber("version", m.Version);
                    }
                    else if (m.BaseVersion is { } b)
                    {
                        w.WriteNumber("baseVersion", b);
                    }

                    if (m.Op != MutationOp.Delete)
                    {
                        w.WritePropertyName("data");
                        w.WriteRawValue(m.Data ?? throw new ArgumentException("Mutation " + m.Id + " has no data."));
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static byte[] Object(params (string Name, string Value)[] properties)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static IReadOnlyList<SyncCollectionResponse> SyncResponse(JsonElement root) =>
        [.. root.GetProperty("collections").EnumerateArray().Select(c => new SyncCollectionResponse(
            c.GetProperty("name").GetString()!,
            [.. Array(c, "results").Select(Result)],
            [.. Array(c, "changes").Select(Item)],
            c.TryGetProperty("cursor", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null,
            c.TryGetProperty("hasMore", out var more) && more.ValueKind == JsonValueKind.True,
            c.TryGetProperty("resync", out var r) && r.ValueKind == JsonValueKind.Object
                ? new ResyncInfo(r.GetProperty("reason").GetString()!, r.GetProperty("safeVersion").GetInt64())
                : null,
            c.TryGetProperty("refused", out var h) && h.ValueKind == JsonValueKind.Object
                ? new MassDeleteHold(c.GetProperty("name").GetString()!, h.GetProperty("reason").GetString()!, h.GetProperty("deletes").GetInt32(), h.GetProperty("liveItems").GetInt32())
                : null))];

    public static SyncItem Item(JsonElement e) => new(
        e.GetProperty("itemId").GetString()!,
        e.GetProperty("version").GetInt64(),
        e.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True,
        e.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data.GetRawText() : null,
        Time(e, "modifiedAt"),
        e.TryGetProperty("modifiedBy", out var by) && by.ValueKind == JsonValueKind.String ? by.GetString() : null,
        e.TryGetProperty("handedBackVersion", out var handedBack) && handedBack.ValueKind == JsonValueKind.Number ? handedBack.GetInt64() : null);

    public static DeviceInfo Device(JsonElement e) => new(
        e.GetProperty("deviceId").GetString()!,
        e.GetProperty("name").GetString()!,
        e.GetProperty("platform").GetString()!,
        Time(e, "createdAt") ?? default,
        Time(e, "lastSeenAt"));

    public static ConflictRecord Conflict(JsonElement e) => new(
        e.GetProperty("collection").GetString()!,
        e.GetProperty("itemId").GetString()!,
        e.GetProperty("deviceId").GetString()!,
        e.GetProperty("mutationId").GetInt64(),
        Time(e, "at") ?? default,
        e.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data.GetRawText() : null,
        e.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True,
        e.GetProperty("serverVersion").GetInt64());

    public static (string Code, string? Detail) Problem(string body, int status)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "http-" + status.ToString(CultureInfo.InvariantCulture);
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return (code, detail);
        }
        catch (JsonException)
        {
            return ("http-" + status.ToString(CultureInfo.InvariantCulture), body.Length > 200 ? body[..200] : body);
        }
    }

    /// <summary>Checks that <paramref name="json"/> is one JSON object and returns it unchanged.</summary>
    public static string RequireObject(string json)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip() && !reader.Read())
            {
                return json;
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException("Item data must be exactly one JSON object: " + e.Message, nameof(json), e);
        }

        throw new ArgumentException("Item data must be exactly one JSON object.", nameof(json));
    }

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    private static MutationResult Result(JsonElement e)
    {
        var status = e.GetProperty("status").GetString() switch
        {
            "applied" => MutationStatus.Applied,
            "duplicate" => MutationStatus.Duplicate,
            "conflict" => MutationStatus.Conflict,
            _ => MutationStatus.None,
        };
        var version = e.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var current = e.TryGetProperty("current", out var c) && c.ValueKind == JsonValueKind.Object ? Item(c) : null;
        return new MutationResult(e.GetProperty("id").GetInt64(), status, version, current);
    }

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(t.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : null;
}
