using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DeviceSync.Client;

/// <summary>
/// The gateway's HTTP API for a device: account creation and device registration here, everything a device does with
/// its token on <see cref="DeviceConnection"/>. Retries 503, 500, 429, timeouts and connection errors with exponential
/// backoff and jitter, resending the same body (safe for sync: mutation ids make it idempotent).
/// </summary>
public sealed class SyncClient(HttpClient http, RetryOptions? retry = null, TimeProvider? time = null)
{
    private const string JsonType = "application/json";

    public RetryOptions Retry { get; } = retry ?? new RetryOptions();

    /// <summary>The gateway (the HttpClient's base address); <see cref="EventListener"/> derives the events socket's address from it.</summary>
    public Uri? BaseAddress => http.BaseAddress;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    /// <summary>Attempts that failed in a retryable way and were retried (or given up on).</summary>
    public long RetryableFailures => Interlocked.Read(ref _retryableFailures);

    private long _retryableFailures;

    /// <summary><c>POST /v1/accounts</c>. Throws <see cref="SyncProtocolException"/> (<c>account-exists</c>, ...).</summary>
    public async Task CreateAccountAsync(string accountId, string password, CancellationToken cancellationToken = default)
    {
        var body = WireFormat.Object(("accountId", accountId), ("password", password));
        using var _ = await SendAsync(HttpMethod.Post, "v1/accounts", null, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /v1/devices</c> with HTTP Basic credentials: a new device of the account and its token.</summary>
    public async Task<DeviceCredentials> RegisterDeviceAsync(
        string accountId, string password, string name, string platform, CancellationToken cancellationToken = default)
    {
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(accountId + ":" + password)));
        var body = WireFormat.Object(("name", name), ("platform", platform));
        using var doc = await SendAsync(HttpMethod.Post, "v1/devices", basic, body, cancellationToken).ConfigureAwait(false);
        var root = doc!.RootElement;
        return new DeviceCredentials(accountId, root.GetProperty("deviceId").GetString()!, root.GetProperty("token").GetString()!);
    }

    /// <summary>The device's view of the API, authenticated with its bearer token.</summary>
    public DeviceConnection Connect(DeviceCredentials credentials) => new(this, credentials);

    /// <summary>Sends a request, retrying retryable failures; returns the parsed JSON body (null when there is none).</summary>
    internal async Task<JsonDocument?> SendAsync(
        HttpMethod method, string path, AuthenticationHeaderValue? auth, byte[]? body, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        var delay = Retry.InitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            Exception failure;
            using (var timeout = new CancellationTokenSource(Retry.AttemptTimeout, Time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    using var request = new HttpRequestMessage(method, path);
                    request.Headers.Authorization = auth;
                    if (body is not null)
                    {
                        request.Content = new ByteArrayContent(body);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonType);
                    }

                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return text.Length == 0 ? null : JsonDocument.Parse(text);
                    }

                    var (code, detail) = WireFormat.Problem(text, (int)response.StatusCode);
                    var error = new SyncProtocolException(response.StatusCode, code, detail);
                    if (!IsRetryable(response.StatusCode))
                    {
                        throw error;
                    }

                    failure = error;
                    if (response.Headers.RetryAfter is { } ra)
                    {
                        retryAfter = ra.Delta ?? (ra.Date is { } date ? date - Time.GetUtcNow() : null);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException e)
                {
                    failure = new TimeoutException($"{method} {path} timed out.", e);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
                {
                    // A refused or dropped connection, or a body cut off halfway (large answers are streamed).
                    failure = e;
                }
            }

            Interlocked.Increment(ref _retryableFailures);
            // Retry-After (capped) or the backoff, whichever is longer, plus up to as much again at random: the jitter spans
            // the whole wait, so devices an overloaded gateway shed at the same moment do not all come back at the same moment.
            var wait = retryAfter is { } after && after > delay ? (after > Retry.MaxRetryAfter ? Retry.MaxRetryAfter : after) : delay;
            if (wait < delay)
            {
                wait = delay;
            }

            wait += TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * wait.Ticks));
            if (attempt >= Retry.MaxAttempts || Time.GetElapsedTime(started) + wait > Retry.MaxDuration)
            {
                throw failure is SyncProtocolException
                    ? failure
                    : new SyncProtocolException(HttpStatusCode.ServiceUnavailable, "unavailable", failure.Message, failure);
            }

            await Task.Delay(wait, Time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 > Retry.MaxDelay ? Retry.MaxDelay : delay * 2;
        }
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests
            or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;
}
