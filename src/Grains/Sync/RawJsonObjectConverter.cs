using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// Persists item data (a JSON object the gateway validated) as embedded JSON rather than as an escaped string:
/// an escaped string turns every quote into <c>\u0022</c> and can make a journal entry several times larger than
/// the data it carries. The text read back is exactly the text written.
/// </summary>
internal sealed class RawJsonObjectConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                // Tolerate data written as a string by an early build of schema 1.
                return reader.GetString();
            case JsonTokenType.StartObject:
                using (var document = JsonDocument.ParseValue(ref reader))
                {
                    return document.RootElement.GetRawText();
                }

            default:
                throw new JsonException($"Item data must be a JSON object, not {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        // The gateway validated it as a JSON object; validate again here rather than ever write a broken journal entry.
        writer.WriteRawValue(value, skipInputValidation: false);
    }
}
