using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;

namespace DeviceSync.Gateway.Validation;

/// <summary>
/// Strict reading of untrusted JSON: valid UTF-8, no comments or trailing commas, no duplicate property names,
/// bounded depth. Integers are plain decimal digits (no sign, fraction or exponent).
/// </summary>
public static class JsonInput
{
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses a body; the document borrows <paramref name="body"/>, which must outlive it.</summary>
    public static Validated<JsonDocument> Parse(ReadOnlyMemory<byte> body)
    {
        if (!Utf8.IsValid(body.Span))
        {
            return Problem.Invalid("The body is not valid UTF-8.");
        }

        try
        {
            return Validated<JsonDocument>.Ok(JsonDocument.Parse(body, DocumentOptions));
        }
        catch (JsonException)
        {
            return Problem.Invalid("The body is not valid JSON (or repeats a property name, or nests too deep).");
        }
        catch (InvalidOperationException)
        {
            // The duplicate-name check unescapes property names; a lone surrogate escape in one lands here.
            return Problem.Invalid("The body contains a property name that cannot be read.");
        }
    }

    /// <summary>Parses a body and hands its root to <paramref name="read"/>; text that cannot be read (such as a lone surrogate escape) is a problem, not an exception.</summary>
    public static Validated<T> Read<T>(ReadOnlyMemory<byte> body, Func<JsonElement, Validated<T>> read)
    {
        var parsed = Parse(body);
        if (!parsed.IsValid)
        {
            return parsed.Problem;
        }

        using var document = parsed.Value;
        try
        {
            return read(document.RootElement);
        }
        catch (InvalidOperationException)
        {
            return Problem.Invalid("The body contains text that cannot be read.");
        }
    }

    /// <summary>An integer written as plain digits, within <paramref name="min"/>..2^53−1.</summary>
    public static bool TryGetSafeInteger(JsonElement element, long min, out long value)
    {
        value = 0;
        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length is 0 or > 16)
        {
            return false;
        }

        foreach (var b in raw)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return element.TryGetInt64(out value) && value >= min && value <= SyncLimits.MaxSafeInteger;
    }

    /// <summary>A JSON string's value; false for any other kind.</summary>
    public static bool TryGetString(JsonElement element, out string value)
    {
        value = "";
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString() ?? "";
        return true;
    }

    /// <summary>The property when present and not null.</summary>
    public static bool TryGetValue(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The UTF-8 length of the element as it was sent.</summary>
    public static int RawLength(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).Length;
}
