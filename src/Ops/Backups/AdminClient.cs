using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace DeviceSync.Ops.Backups;

/// <summary>The gateway's admin routes the backup commands use (<c>X-Admin-Key</c>).</summary>
public sealed class AdminClient(HttpClient gateway, string adminKey)
{
    public sealed record LiveCollection(string Name, string Digest, long HeadVersion, int Items);

    /// <summary>The live digests of an account's collections (<c>GET /v1/admin/accounts/{id}/digests</c>).</summary>
    public async Task<IReadOnlyDictionary<string, LiveCollection>> DigestsAsync(string accountId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/admin/accounts/{Uri.EscapeDataString(accountId)}/digests");
        request.Headers.Add("X-Admin-Key", adminKey);
        using var response = await gateway.SendAsync(request, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
        return json.RootElement.GetProperty("collections").EnumerateArray()
            .Select(c => new LiveCollection(
                c.GetProperty("name").GetString()!,
                c.GetProperty("digest").GetString()!,
                long.Parse(c.GetProperty("headVersion").GetString()!, CultureInfo.InvariantCulture),
                c.GetProperty("items").GetInt32()))
            .ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary><c>POST /v1/admin/accounts/{id}/restore</c>; the answer's JSON, or the problem's text with a non-success status.</summary>
    public async Task<(bool Ok, JsonDocument? Answer, string Text)> RestoreAsync(string accountId, DateTimeOffset? to, string? collection, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/admin/accounts/{Uri.EscapeDataString(accountId)}/restore")
        {
            Content = JsonContent.Create(new Dictionary<string, string?>
            {
                ["to"] = to is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) : "latest",
                ["collection"] = collection,
            }),
        };
        request.Headers.Add("X-Admin-Key", adminKey);
        using var response = await gateway.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? (true, JsonDocument.Parse(text), text) : (false, null, $"{(int)response.StatusCode}: {text}");
    }
}
