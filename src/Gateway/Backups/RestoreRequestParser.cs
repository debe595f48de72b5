using System.Globalization;
using System.Text.Json;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Backups;

/// <summary>Validates <c>{"to": "latest" | ISO-8601 time with offset, "collection": name (optional)}</c>.</summary>
public static class RestoreRequestParser
{
    public const int MaxBodyBytes = 4096;

    public static Validated<RestoreRequest> Parse(ReadOnlyMemory<byte> body, DateTimeOffset now) => JsonInput.Read(body, root => ReadRoot(root, now));

    private static Validated<RestoreRequest> ReadRoot(JsonElement root, DateTimeOffset now)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("to", out var toElement)
            || !JsonInput.TryGetString(toElement, out var toText))
        {
            return Problem.Invalid("The body must be {\"to\": \"latest\" or an ISO-8601 time with offset, \"collection\": optional}.");
        }

        DateTimeOffset? to = null;
        if (!string.Equals(toText, "latest", StringComparison.Ordinal))
        {
            // An offset is required: a time without one would be read in the gateway's zone, which is a guess.
            if (!DateTimeOffset.TryParseExact(toText, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                || !(toText.EndsWith('Z') || toText.Contains('+', StringComparison.Ordinal) || toText.LastIndexOf('-') > 10))
            {
                return Problem.Invalid("\"to\" must be \"latest\" or an ISO-8601 time with an offset, e.g. 2026-11-26T07:30:00Z.");
            }

            if (parsed > now)
            {
                return Problem.Invalid("\"to\" lies in the future.");
            }

            to = parsed;
        }

        string? collection = null;
        if (root.TryGetProperty("collection", out var collectionElement) && collectionElement.ValueKind != JsonValueKind.Null)
        {
            if (!JsonInput.TryGetString(collectionElement, out var name) || !Names.IsCollectionName(name))
            {
                return Problem.Invalid("\"collection\" must be a collection name (docs/protocol.md, section 3).");
            }

            collection = name;
        }

        return Validated<RestoreRequest>.Ok(new RestoreRequest(to, collection));
    }
}
