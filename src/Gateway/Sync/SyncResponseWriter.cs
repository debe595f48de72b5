using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Sync;

/// <summary>Writes the <c>/v1/sync</c> response exactly as PROTOCOL.md shows it.</summary>
public static class SyncResponseWriter
{
    public static async Task WriteAsync(
        Utf8JsonWriter writer,
        IReadOnlyList<SyncCollectionPart> parts,
        IReadOnlyList<SyncCollectionResult> results,
        Func<Task> flushIfLarge)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("collections");
        for (var i = 0; i < parts.Count; i++)
        {
            await WriteCollectionAsync(writer, parts[i].Name, results[i], flushIfLarge);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Checks what a grain returned before a byte is written, so a bad result is a clean 500, not a torn body.</summary>
    public static void EnsureWritable(SyncCollectionResult result)
    {
        foreach (var mutation in result.Results)
        {
            _ = StatusText(mutation.Status);
        }

        if (result.Resync is { } resync)
        {
            _ = ReasonText(resync.Reason);
        }
    }

    public static async Task WriteCollectionAsync(Utf8JsonWriter writer, string name, SyncCollectionResult result, Func<Task> flushIfLarge)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteStartArray("results");
        foreach (var mutation in result.Results)
        {
            WriteResult(writer, mutation);
            await flushIfLarge();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("changes");
        if (result.Resync is null)
        {
            foreach (var change in result.Changes)
            {
                JsonFormats.WriteItem(writer, change);
                await flushIfLarge();
            }
        }

        writer.WriteEndArray();
        if (result.Cursor is { } cursor && result.Resync is null)
        {
            writer.WriteString("cursor", Cursors.Format(cursor));
        }
        else
        {
            writer.WriteNull("cursor");
        }

        writer.WriteBoolean("hasMore", result.Resync is null && result.HasMore);
        if (result.Resync is { } resync)
        {
            writer.WriteStartObject("resync");
            writer.WriteString("reason", ReasonText(resync.Reason));
            writer.WriteNumber("safeVersion", resync.SafeVersion);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("resync");
        }

        // Only when the mass-delete guard held the collection's mutations back, so answers stay as PROTOCOL.md shows them.
        if (result.Refused is { } refused)
        {
            writer.WriteStartObject("refused");
            writer.WriteString("reason", refused.Reason);
            writer.WriteNumber("deletes", refused.Deletes);
            writer.WriteNumber("liveItems", refused.LiveItems);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    public static string StatusText(MutationStatus status) => status switch
    {
        MutationStatus.Applied => "applied",
        MutationStatus.Conflict => "conflict",
        MutationStatus.Duplicate => "duplicate",
        _ => throw new InvalidOperationException($"A grain returned mutation status {status}."),
    };

    public static string ReasonText(ResyncReason reason) => reason switch
    {
        ResyncReason.ServerBehind => "server-behind",
        ResyncReason.EpochChanged => "epoch-changed",
        ResyncReason.CursorExpired => "cursor-expired",
        _ => throw new InvalidOperationException($"A grain returned resync reason {reason}."),
    };

    private static void WriteResult(Utf8JsonWriter writer, MutationResult result)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", result.Id);
        writer.WriteString("status", StatusText(result.Status));
        switch (result.Status)
        {
            case MutationStatus.Conflict:
                writer.WritePropertyName("current");
                if (result.Current is { } current)
                {
                    JsonFormats.WriteItem(writer, current);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
            default:
                writer.WriteNumber("version", result.Version ?? 0);
                break;
        }

        writer.WriteEndObject();
    }
}
