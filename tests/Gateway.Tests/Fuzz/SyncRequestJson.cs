using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Sync;

namespace DeviceSync.Gateway.Tests.Fuzz;

/// <summary>Writes a validated request back to wire JSON, and describes one canonically, for round-trip checks.</summary>
public static class SyncRequestJson
{
    public static byte[] Write(SyncRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("collections");
            foreach (var part in request.Collections)
            {
                writer.WriteStartObject();
                writer.WriteString("name", part.Name);
                if (part.Cursor is { } cursor)
                {
                    writer.WriteString("cursor", cursor.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    writer.WriteNull("cursor");
                }

                writer.WriteNumber("limit", part.Limit);
                writer.WriteStartArray("mutations");
                foreach (var m in part.Mutations)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("id", m.Id);
                    writer.WriteString("op", m.Op switch { MutationOp.Put => "put", MutationOp.Delete => "delete", _ => "restore" });
                    writer.WriteString("itemId", m.ItemId);
                    if (m.BaseVersion is { } b)
                    {
                        writer.WriteNumber("baseVersion", b);
                    }

                    if (m.Op == MutationOp.Restore)
                    {
                        writer.WriteNumber("version", m.Version);
                    }

                    if (m.Data is not null)
                    {
                        writer.WritePropertyName("data");
                        writer.WriteRawValue(m.Data);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string Describe(SyncRequest request)
    {
        var text = new StringBuilder();
        foreach (var part in request.Collections)
        {
            text.Append(CultureInfo.InvariantCulture, $"[{part.Name}|{part.Cursor}|{part.Limit}]");
            foreach (var m in part.Mutations)
            {
                text.Append(CultureInfo.InvariantCulture, $"({m.Id}|{m.Op}|{m.ItemId}|{m.BaseVersion}|{m.Version}|{m.Data})");
            }
        }

        return text.ToString();
    }
}
