using System.Net;
using System.Text.Json;

namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>One HTTP answer as a device sees it: status, body text, media type and <c>Retry-After</c>.</summary>
public sealed record SyncAnswer(HttpStatusCode Status, string Body, string? MediaType, TimeSpan? RetryAfter)
{
    public bool IsOk => Status == HttpStatusCode.OK;

    public JsonElement Json() => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The problem+json <c>code</c>, or null when the body is not a problem.</summary>
    public string? ProblemCode()
    {
        try
        {
            return JsonDocument.Parse(Body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override string ToString() => $"{(int)Status} {Body}";
}
