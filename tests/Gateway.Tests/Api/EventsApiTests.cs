using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using DeviceSync.Testing;
using Xunit.Abstractions;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary><c>/v1/events</c> (PROTOCOL.md "Events") over real WebSockets against the real gateway and silo processes.</summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class EventsApiTests(ApiCluster cluster, ITestOutputHelper output)
{
    /// <summary>The issue's goal for a connected device; generous next to what is measured (printed), never a sleep.</summary>
    private static readonly TimeSpan WithinASecond = TimeSpan.FromSeconds(1);

    private readonly ApiClient _api = new(cluster);

    private Uri Gateway => cluster.Cluster.GatewayAddress;

    [Fact]
    public async Task Another_device_s_change_arrives_within_a_second()
    {
        var phone = await _api.NewDeviceAsync("ev-other");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        await using var events = await EventSocket.ConnectAsync(Gateway, laptop.Token);

        var version = await PutAsync(phone, "contacts", "c-1", 1);
        var committed = Stopwatch.GetTimestamp();
        var frame = await events.WaitForChangeAsync("contacts", version, TimeSpan.FromSeconds(10));
        var delay = Stopwatch.GetElapsedTime(committed, frame.ArrivedAt);
        output.WriteLine($"event {frame.Text} arrived {delay.TotalMilliseconds:F0} ms after the sync answered (negative: before)");
        Assert.True(delay < WithinASecond, $"the change arrived {delay.TotalMilliseconds:F0} ms after the commit");
        Assert.Equal($$"""{"type":"changed","collection":"contacts","version":{{version}}}""", frame.Text);
    }

    [Fact]
    public async Task The_sender_gets_its_own_change_too_and_the_token_may_be_in_the_query()
    {
        var phone = await _api.NewDeviceAsync("ev-self");
        await using var events = await EventSocket.ConnectAsync(Gateway, phone.Token, tokenInQuery: true);

        var version = await PutAsync(phone, "notes", "n-1", 1);
        var frame = await events.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));
        Assert.Equal(version, frame.Version);
    }

    [Fact]
    public async Task Changes_to_one_collection_are_coalesced_and_the_last_version_always_arrives()
    {
        var phone = await _api.NewDeviceAsync("ev-burst");
        var tablet = await _api.AddDeviceAsync(phone.AccountId, "tablet");
        await using var events = await EventSocket.ConnectAsync(Gateway, tablet.Token);

        // A burst of commits, as fast as one device can make them, in two collections.
        const int Commits = 30;
        var started = Stopwatch.GetTimestamp();
        long last = 0;
        for (var i = 1; i <= Commits; i++)
        {
            last = await PutAsync(phone, "tasks", "t-" + i, i);
        }

        var otherCollection = await PutAsync(phone, "calendar", "e-1", Commits + 1);
        var burst = Stopwatch.GetElapsedTime(started);

        // The latest version of each collection always arrives (the coalescing holds changes back, never drops the last).
        await events.WaitForChangeAsync("tasks", last, TimeSpan.FromSeconds(10));
        await events.WaitForChangeAsync("calendar", otherCollection, TimeSpan.FromSeconds(10));

        var frames = events.Received.Where(f => f.Collection == "tasks").ToList();
        output.WriteLine($"{Commits} commits in {burst.TotalMilliseconds:F0} ms gave {frames.Count} events: {string.Join(", ", frames.Select(f => f.Version))}");

        // At most one event per 250 ms window (Events:CoalesceInterval) plus the first and the held-back last one.
        var windows = (int)Math.Ceiling(burst.TotalMilliseconds / 250.0);
        Assert.InRange(frames.Count, 1, Math.Min(Commits - 1, windows + 2));
        Assert.Equal(frames.Select(f => f.Version).Order(), frames.Select(f => f.Version));
    }

    [Fact]
    public async Task Without_a_valid_token_the_upgrade_is_refused_with_401()
    {
        var phone = await _api.NewDeviceAsync("ev-auth");

        Assert.Equal(HttpStatusCode.Unauthorized, await EventSocket.StatusOfConnectAsync(Gateway, headerToken: null));
        Assert.Equal(HttpStatusCode.Unauthorized, await EventSocket.StatusOfConnectAsync(Gateway, headerToken: phone.Token + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, await EventSocket.StatusOfConnectAsync(Gateway, headerToken: null, queryToken: "not-a-token"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await EventSocket.StatusOfConnectAsync(Gateway, headerToken: phone.Token));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await EventSocket.StatusOfConnectAsync(Gateway, headerToken: null, queryToken: phone.Token));

        // The query token is for /v1/events only: other routes still need the header.
        using var sync = await _api.SendAsync(HttpMethod.Post, "/v1/sync?access_token=" + Uri.EscapeDataString(phone.Token), body: """{"collections":[]}""");
        var problem = await ReadJsonAsync(sync, HttpStatusCode.Unauthorized);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_request_that_is_not_a_websocket_upgrade_gets_a_clear_problem()
    {
        var phone = await _api.NewDeviceAsync("ev-plain");

        using var plain = await _api.SendAsync(HttpMethod.Get, "/v1/events", phone.Token);
        var problem = await ReadJsonAsync(plain, HttpStatusCode.BadRequest);
        Assert.Equal("invalid-request", problem.GetProperty("code").GetString());
        Assert.Contains("WebSocket", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);

        using var unauthenticated = await _api.SendAsync(HttpMethod.Get, "/v1/events");
        Assert.Equal("unauthorized", (await ReadJsonAsync(unauthenticated, HttpStatusCode.Unauthorized)).GetProperty("code").GetString());

        using var post = await _api.SendAsync(HttpMethod.Post, "/v1/events", phone.Token, "{}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_revoked_device_s_socket_is_closed_with_4001_within_5_seconds()
    {
        var phone = await _api.NewDeviceAsync("ev-revoke");
        var lost = await _api.AddDeviceAsync(phone.AccountId, "lost");
        await using var lostEvents = await EventSocket.ConnectAsync(Gateway, lost.Token);
        await using var phoneEvents = await EventSocket.ConnectAsync(Gateway, phone.Token);

        using (var deleted = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + lost.DeviceId, phone.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var revoked = Stopwatch.StartNew();
        var closed = await lostEvents.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        output.WriteLine($"closed with {(int?)closed} {revoked.Elapsed.TotalMilliseconds:F0} ms after the revocation answered");
        Assert.Equal((WebSocketCloseStatus)4001, closed);

        // The account's other device keeps its socket and its events; the revoked token cannot connect again.
        var version = await PutAsync(phone, "contacts", "c-after", 1);
        await phoneEvents.WaitForChangeAsync("contacts", version, TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, await EventSocket.StatusOfConnectAsync(Gateway, lost.Token));
    }

    [Fact]
    public async Task The_gateway_reports_its_sockets_frames_and_subscriptions()
    {
        var phone = await _api.NewDeviceAsync("ev-metrics");
        await using var events = await EventSocket.ConnectAsync(Gateway, phone.Token);
        var version = await PutAsync(phone, "notes", "n-1", 1);
        await events.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));

        await Eventually.WaitAsync(
            async () =>
            {
                var lines = (await cluster.Http.GetStringAsync("/metrics")).Split('\n');
                bool Has(string name, string label = "") =>
                    lines.Any(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
                return Has("devicesync_gateway_events_sockets")
                    && Has("devicesync_gateway_events_subscriptions")
                    && Has("devicesync_gateway_events_frames_total", "devicesync_type=\"changed\"")
                    && Has("devicesync_gateway_events_renewals_total", "devicesync_reason=\"connect\"");
            },
            TimeSpan.FromSeconds(30),
            "the events metrics did not appear on /metrics");
    }

    /// <summary>Puts one item and returns the version the server gave it.</summary>
    private async Task<long> PutAsync(ApiDevice device, string collection, string itemId, long mutationId)
    {
        var result = await _api.SyncOneAsync(device, collection, null, null, Put(mutationId, itemId));
        var applied = Assert.Single(result.GetProperty("results").EnumerateArray());
        Assert.Equal("applied", applied.GetProperty("status").GetString());
        return applied.GetProperty("version").GetInt64();
    }
}
