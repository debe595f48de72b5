using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Gateway;

/// <summary>
/// The device side of the HTTP API, as much of it as the harness needs. One instance (one connection pool)
/// is shared by all workers; every call is timed from the first byte sent to the last byte of the body read.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly string? _adminKey;

    public GatewayClient(Uri gateway, string? adminKey, TimeSpan requestTimeout, int maxConnections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(maxConnections, 16),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { BaseAddress = gateway, Timeout = requestTimeout };
        _adminKey = adminKey;
    }

    public Task<GatewayCall<ProvisionResponse>> ProvisionAsync(ProvisionRequest request, CancellationToken ct) =>
        PostAsync<ProvisionResponse>("/v1/admin/provision", request, bearer: null, admin: true, ct);

    public Task<GatewayCall<SyncResponse>> SyncAsync(string token, SyncRequest request, CancellationToken ct) =>
        PostAsync<SyncResponse>("/v1/sync", request, token, admin: false, ct);

    /// <summary>A sync whose body the caller serialised once (<see cref="Serialize"/>) and sends many times: a poll's.</summary>
    public Task<GatewayCall<SyncResponse>> SyncAsync(string token, byte[] serializedRequest, CancellationToken ct) =>
        PostAsync<SyncResponse>("/v1/sync", serializedRequest, token, admin: false, ct);

    public static byte[] Serialize(SyncRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, Json);

    /// <summary>A sync whose response binds item data (<c>run</c>'s simulated devices and the checker).</summary>
    public Task<GatewayCall<DeviceSyncResponse>> DeviceSyncAsync(string token, SyncRequest request, CancellationToken ct) =>
        PostAsync<DeviceSyncResponse>("/v1/sync", request, token, admin: false, ct);

    private Task<GatewayCall<T>> PostAsync<T>(string path, object body, string? bearer, bool admin, CancellationToken ct)
        where T : class =>
        PostAsync<T>(path, JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json), bearer, admin, ct);

    private async Task<GatewayCall<T>> PostAsync<T>(string path, byte[] payload, string? bearer, bool admin, CancellationToken ct)
        where T : class
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(payload) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (bearer is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (admin && _adminKey is not null)
        {
            message.Headers.Add("X-Admin-Key", _adminKey);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            if (status != 200)
            {
                return new GatewayCall<T>(status, elapsed, null, $"http-{status}") { RetryAfter = response.Headers.RetryAfter?.Delta };
            }

            try
            {
                var parsed = JsonSerializer.Deserialize<T>(bytes, Json);
                return parsed is null
                    ? new GatewayCall<T>(status, elapsed, null, "protocol:null-body")
                    : new GatewayCall<T>(status, elapsed, parsed, null);
            }
            catch (JsonException)
            {
                return new GatewayCall<T>(status, elapsed, null, "protocol:bad-json");
            }
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new GatewayCall<T>(0, Stopwatch.GetElapsedTime(started), null, "timeout");
        }
        catch (HttpRequestException e)
        {
            return new GatewayCall<T>(0, Stopwatch.GetElapsedTime(started), null, $"transport:{e.HttpRequestError}");
        }
    }

    public void Dispose() => _http.Dispose();
}
