using System.Globalization;
using System.Text.Json;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Gateway.Http;

/// <summary>How the wire writes the shared shapes: timestamps as ISO-8601 UTC, items with raw data.</summary>
public static class JsonFormats
{
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>An item: <c>{"itemId","version","deleted","data","modifiedAt","modifiedBy"}</c>; a tombstone has no <c>data</c>.
    /// An item a <c>restore</c> wrote also has <c>handedBackVersion</c>, the version its device handed it back at.</summary>
    public static void WriteItem(Utf8JsonWriter writer, ItemState item)
    {
        writer.WriteStartObject();
        writer.WriteString("itemId", item.ItemId);
        writer.WriteNumber("version", item.Version);
        writer.WriteBoolean("deleted", item.Deleted);
        if (!item.Deleted)
        {
            writer.WritePropertyName("data");
            WriteRawObject(writer, item.Data);
        }

        writer.WriteString("modifiedAt", Timestamp(item.ModifiedAt));
        writer.WriteString("modifiedBy", item.ModifiedBy);
        if (item.HandedBackVersion is { } handedBack)
        {
            // How old the copy really is: its new version only says when it came back (docs/protocol.md, step 4 of a resync).
            writer.WriteNumber("handedBackVersion", handedBack);
        }

        writer.WriteEndObject();
    }

    /// <summary>Raw JSON object text as it was stored; null or empty text becomes <c>{}</c>.</summary>
    public static void WriteRawObject(Utf8JsonWriter writer, string? data)
    {
        if (string.IsNullOrEmpty(data))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteRawValue(data, skipInputValidation: false);
        }
    }
}
