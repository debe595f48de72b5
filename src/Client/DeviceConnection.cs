using System.Globalization;
using System.Net.Http.Headers;

namespace DeviceSync.Client;

/// <summary>One registered device's authenticated calls: sync, conflicts, the account's devices.</summary>
public sealed class DeviceConnection
{
    private readonly SyncClient _client;
    private readonly AuthenticationHeaderValue _bearer;

    internal DeviceConnection(SyncClient client, DeviceCredentials credentials)
    {
        _client = client;
        Credentials = credentials;
        _bearer = new AuthenticationHeaderValue("Bearer", credentials.Token);
    }

    public DeviceCredentials Credentials { get; }

    public SyncClient Client => _client;

    /// <summary><c>POST /v1/sync</c>: at most 16 collections, at most 500 mutations each.</summary>
    public async Task<IReadOnlyList<SyncCollectionResponse>> SyncAsync(
        IReadOnlyList<SyncCollectionRequest> collections, CancellationToken cancellationToken = default)
    {
        var body = WireFormat.SyncRequest(collections);
        using var doc = await _client.SendAsync(HttpMethod.Post, "v1/sync", _bearer, body, cancellationToken).ConfigureAwait(false);
        return WireFormat.SyncResponse(doc!.RootElement);
    }

    /// <summary><c>GET /v1/devices</c>: the account's live devices, oldest first.</summary>
    public async Task<IReadOnlyList<DeviceInfo>> ListDevicesAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await _client.SendAsync(HttpMethod.Get, "v1/devices", _bearer, null, cancellationToken).ConfigureAwait(false);
        return [.. doc!.RootElement.GetProperty("devices").EnumerateArray().Select(WireFormat.Device)];
    }

    /// <summary><c>DELETE /v1/devices/{id}</c>: revokes a device of the account (this one included).</summary>
    public async Task RevokeDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        using var _ = await _client.SendAsync(HttpMethod.Delete, "v1/devices/" + Uri.EscapeDataString(deviceId), _bearer, null, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary><c>GET /v1/conflicts</c>: one page of the archive, of one collection or (null) the whole account.</summary>
    public async Task<ConflictPage> GetConflictsAsync(
        string? collection = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (collection is not null)
        {
            query.Add("collection=" + Uri.EscapeDataString(collection));
        }

        if (cursor is not null)
        {
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        }

        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }

        var path = "v1/conflicts" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        using var doc = await _client.SendAsync(HttpMethod.Get, path, _bearer, null, cancellationToken).ConfigureAwait(false);
        var root = doc!.RootElement;
        return new ConflictPage(
            [.. root.GetProperty("conflicts").EnumerateArray().Select(WireFormat.Conflict)],
            root.TryGetProperty("cursor", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String ? c.GetString() : null,
            root.TryGetProperty("hasMore", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.True);
    }

    /// <summary>Every conflict of the account (or one collection), all pages.</summary>
    public async Task<IReadOnlyList<ConflictRecord>> GetAllConflictsAsync(string? collection = null, CancellationToken cancellationToken = default)
    {
        var all = new List<ConflictRecord>();
        string? cursor = null;
        while (true)
        {
            var page = await GetConflictsAsync(collection, cursor, 500, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Conflicts);
            if (!page.HasMore || page.Cursor is null)
            {
                return all;
            }

            cursor = page.Cursor;
        }
    }

    /// <summary>The server's digest of each of the account's collections (<c>GET /v1/digests</c>), by collection name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetDigestsAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await _client.SendAsync(HttpMethod.Get, "v1/digests", _bearer, null, cancellationToken).ConfigureAwait(false);
        return doc!.RootElement.GetProperty("collections").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("digest").GetString()!, StringComparer.Ordinal);
    }
}
