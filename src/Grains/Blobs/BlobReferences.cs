using System.Text;
using System.Text.Json;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// What "an item refers to a blob" means (PROTOCOL.md, "Blobs"): a JSON string value anywhere in the item's <c>data</c>
/// (at any depth, in objects or arrays; not a property name) that is exactly <c>sha256:</c> followed by the blob's 64
/// lower-case hex digits. Anything else (upper-case hex, a hash inside a longer string, a bare hash) is not a reference,
/// so what a device must write to keep a blob alive is unambiguous.
/// </summary>
public static class BlobReferences
{
    public const string Prefix = "sha256:";
    private const int ReferenceLength = 7 + 64;

    /// <summary>Adds the hashes <paramref name="json"/> refers to (without the prefix) to <paramref name="into"/>.</summary>
    public static void Collect(string? json, ISet<string> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        // The common case, no reference at all, is not parsed. A reference may be written with JSON escapes
        // ("sha256\u003a..."); it still counts (over-counting only keeps a blob longer), so text with any escape is parsed.
        if (json is null || (!json.Contains(Prefix, StringComparison.Ordinal) && !json.Contains("\\u", StringComparison.Ordinal)))
        {
            return;
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 256 });
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                continue;
            }

            var value = reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString() : Encoding.UTF8.GetString(reader.ValueSpan);
            if (value is { Length: ReferenceLength } && value.StartsWith(Prefix, StringComparison.Ordinal) && IsLowerHex(value.AsSpan(Prefix.Length)))
            {
                into.Add(value[Prefix.Length..]);
            }
        }
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
