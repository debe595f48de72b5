using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace DeviceSync.Ops.Backups;

/// <summary>The gateway's admin routes the backup and storage commands use (<c>X-Admin-Key</c>).</summary>
public sealed class AdminClient(HttpClient gateway, string adminKey)
{
    /// <summary>One of the admin views as JSON (<c>/v1/admin/replicas</c>, <c>/v1/admin/cluster</c>; docs/protocol.md,
    /// "Admin"). A refusal throws <see cref="HttpRequestException"/> with the status and the problem's text.</summary>
    public async Task<JsonElement> ViewAsync(string route, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, route);
        request.Headers.Add("X-Admin-Key", adminKey);
        using var response = await gateway.SendAsync(request, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {route} answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

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

    /// <summary>An answer of the restore route: the JSON on success; otherwise the status (0: no answer at all), the
    /// problem's text and the <c>Retry-After</c> it asked for.</summary>
    public sealed record RestoreAnswer(bool Ok, int Status, TimeSpan? RetryAfter, JsonDocument? Answer, string Text)
    {
        /// <summary>Worth resending: the gateway said 503, or nothing came back (a restore is safe to repeat).</summary>
        public bool Transient => !Ok && Status is 0 or 503;
    }

    /// <summary><c>POST /v1/admin/accounts/{id}/restore</c>. A lost connection or a timeout is an answer with status 0.</summary>
    public async Task<RestoreAnswer> RestoreAsync(string accountId, DateTimeOffset? to, string? collection, CancellationToken ct)
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
        try
        {
            using var response = await gateway.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? new RestoreAnswer(true, (int)response.StatusCode, null, JsonDocument.Parse(text), text)
                : new RestoreAnswer(false, (int)response.StatusCode, response.Headers.RetryAfter?.Delta, null, $"{(int)response.StatusCode}: {text}");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return new RestoreAnswer(false, 0, null, null, $"no answer: {ex.Message}");
        }
    }
}
