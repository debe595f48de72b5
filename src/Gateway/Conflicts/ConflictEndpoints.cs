using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Conflicts;

/// <summary><c>GET /v1/conflicts</c>: the account's conflict archive, one collection or all of them.</summary>
public static class ConflictEndpoints
{
    public static WebApplication MapConflicts(this WebApplication app)
    {
        app.MapGet("/v1/conflicts", ListAsync).RequireDevice();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, GrainCalls calls)
    {
        var device = context.Device();
        var parsed = ConflictQueryParser.Parse(context.Request.Query);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var query = parsed.Value;
        var token = context.RequestAborted;
        if (query.Collection is { } collection)
        {
            var page = await calls.OnCollectionAsync("Collection.GetConflicts", device.AccountId, collection, c => c.GetConflictsAsync(query.CursorSequence, query.Limit), token);
            var cursor = (page.Cursor ?? query.CursorSequence) is { } sequence ? Cursors.Format(sequence) : null;
            return Page(page.Conflicts.Select(c => (collection, c)).ToList(), cursor, page.HasMore);
        }

        return await ListAcrossAsync(calls, device, query, token);
    }

    /// <summary>Walks the account's collections in ordinal name order from the cursor's collection, filling one page.</summary>
    private static async Task<IResult> ListAcrossAsync(GrainCalls calls, DeviceIdentity device, ConflictQuery query, CancellationToken token)
    {
        var names = await calls.OnAccountAsync("Account.ListCollections", device.AccountId, a => a.ListCollectionsAsync(), token, resendable: true);
        var ordered = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Where(name => query.CursorCollection is null || string.CompareOrdinal(name, query.CursorCollection) >= 0)
            .ToList();

        var collected = new List<(string Collection, ConflictRecord Record)>();
        string? cursor = query.CursorCollection is { } from ? from + ":" + Cursors.Format(query.CursorSequence ?? 0) : null;
        var hasMore = false;
        for (var i = 0; i < ordered.Count; i++)
        {
            var name = ordered[i];
            var after = name == query.CursorCollection ? query.CursorSequence : null;
            var remaining = query.Limit - collected.Count;
            var page = await calls.OnCollectionAsync("Collection.GetConflicts", device.AccountId, name, c => c.GetConflictsAsync(after, remaining), token);
            foreach (var record in page.Conflicts.Take(remaining))
            {
                collected.Add((name, record));
                cursor = name + ":" + Cursors.Format(record.Sequence);
            }

            if (page.HasMore || page.Conflicts.Count > remaining)
            {
                hasMore = true;
                break;
            }

            if (collected.Count >= query.Limit)
            {
                hasMore = i + 1 < ordered.Count;
                break;
            }
        }

        return Page(collected, cursor, hasMore);
    }

    private static JsonBodyResult Page(IReadOnlyList<(string Collection, ConflictRecord Record)> conflicts, string? cursor, bool hasMore) =>
        new(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("conflicts");
            foreach (var (collection, record) in conflicts)
            {
                WriteConflict(writer, collection, record);
            }

            writer.WriteEndArray();
            if (cursor is null)
            {
                writer.WriteNull("cursor");
            }
            else
            {
                writer.WriteString("cursor", cursor);
            }

            writer.WriteBoolean("hasMore", hasMore);
            writer.WriteEndObject();
        });

    private static void WriteConflict(Utf8JsonWriter writer, string collection, ConflictRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("collection", string.IsNullOrEmpty(record.Collection) ? collection : record.Collection);
        writer.WriteString("itemId", record.ItemId);
        writer.WriteString("deviceId", record.DeviceId);
        writer.WriteNumber("mutationId", record.MutationId);
        writer.WriteString("at", JsonFormats.Timestamp(record.At));
        writer.WritePropertyName("data");
        if (record.Deleted || string.IsNullOrEmpty(record.Data))
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(record.Data, skipInputValidation: false);
        }

        writer.WriteBoolean("deleted", record.Deleted);
        writer.WriteNumber("serverVersion", record.ServerVersion);
        writer.WriteEndObject();
    }
}
