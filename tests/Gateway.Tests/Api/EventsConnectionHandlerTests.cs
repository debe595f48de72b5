using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using DeviceSync.Testing;
using Xunit.Abstractions;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// <c>/v1/events</c> served by the Kestrel connection handler (<c>Events:ConnectionHandler</c>, on by default): the same
/// URL and answers as the route, over raw TCP so the bytes on the wire are what is compared. Which path served a socket
/// is read from <c>devicesync_gateway_events_upgrades_total{devicesync_path}</c>.
/// </summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class EventsConnectionHandlerTests(ApiCluster cluster, ITestOutputHelper output)
{
    private readonly ApiClient _api = new(cluster);

    private Uri Gateway => cluster.Cluster.GatewayAddress;

    [Fact]
    public async Task Header_and_query_tokens_are_served_by_the_connection_handler_and_events_arrive()
    {
        var phone = await _api.NewDeviceAsync("evc-auth");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");
        var before = await UpgradesAsync(Gateway);

        await using var byHeader = await EventSocket.ConnectAsync(Gateway, phone.Token);
        await using var byQuery = await EventSocket.ConnectAsync(Gateway, laptop.Token, tokenInQuery: true);
        await Eventually.WaitAsync(
            async () => (await UpgradesAsync(Gateway)).Connection >= before.Connection + 2,
            TimeSpan.FromSeconds(30),
            "the two sockets were not counted as served by the connection handler");

        var version = await PutAsync(phone, "notes", "n-1");
        await byHeader.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));
        await byQuery.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Refusals_are_the_route_s_own_answers_byte_for_byte()
    {
        var phone = await _api.NewDeviceAsync("evc-refuse");
        await using var off = await StartGatewayAsync("gateway-evc-off", handler: false);
        var upgrade = UpgradeRequest(Gateway, "Authorization: Bearer " + phone.Token + "x\r\n");
        var plain = $"GET /v1/events HTTP/1.1\r\nHost: {Gateway.Authority}\r\nAuthorization: Bearer {phone.Token}\r\n\r\n";
        var noToken = UpgradeRequest(Gateway, "");
        var badQuery = UpgradeRequest(Gateway, "", "?access_token=not-a-token");

        foreach (var (name, request, status) in new[] { ("bad token", upgrade, 401), ("not an upgrade", plain, 400), ("no token", noToken, 401), ("bad query token", badQuery, 401) })
        {
            var on = await RawHttp.SendAsync(Gateway, request);
            var old = await RawHttp.SendAsync(off.HttpAddress, request.Replace(Gateway.Authority, off.HttpAddress.Authority, StringComparison.Ordinal));
            output.WriteLine($"{name}: {on.StatusLine} / {old.StatusLine}");
            Assert.Equal(status, on.Status);
            Assert.Equal(old.StatusLine, on.StatusLine);
            Assert.Equal(old.HeadersExceptDate, on.HeadersExceptDate);
            Assert.Equal(old.Body, on.Body);
            Assert.Equal("application/problem+json", on.Header("Content-Type"));
            if (status == 401)
            {
                Assert.Equal("Bearer", on.Header("WWW-Authenticate"));
                Assert.Equal("unauthorized", JsonDocument.Parse(on.Body).RootElement.GetProperty("code").GetString());
            }
        }
    }

    [Fact]
    public async Task An_upgrade_shed_by_admission_gets_the_route_s_503_counted_once()
    {
        var phone = await _api.NewDeviceAsync("evc-shed");
        var responses = new List<RawHttp.Response>();
        foreach (var handler in new[] { true, false })
        {
            // One slot, no queue: a sync whose body is still coming holds the slot (admission comes before the body).
            // It trickles fast enough for Kestrel's minimum body rate (240 B/s after 5 s), which would end it otherwise.
            await using var gateway = await cluster.Cluster.StartAnotherGatewayAsync("gateway-evc-shed-" + handler, new Dictionary<string, string>
            {
                ["Events:ConnectionHandler"] = handler ? "true" : "false",
                ["Admission:MaxConcurrentRequests"] = "1",
                ["Admission:QueueLimit"] = "0",
            });
            var address = gateway.HttpAddress;
            using var holder = new TcpClient();
            await holder.ConnectAsync(address.Host, address.Port);
            await holder.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/sync HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {phone.Token}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{"));
            using var stopTrickle = new CancellationTokenSource();
            var trickle = TrickleAsync(holder.GetStream(), stopTrickle.Token);

            // Only once the sync holds the slot: an upgrade that took it first would get the sync shed instead.
            using var http = new HttpClient { BaseAddress = address };
            await Eventually.WaitAsync(
                async () => await MetricAsync(http, "devicesync_gateway_admission_in_flight") >= 1,
                TimeSpan.FromSeconds(30),
                "the sync did not take the only admission slot");

            var shed = await RawHttp.SendAsync(address, UpgradeRequest(address, "Authorization: Bearer " + phone.Token + "\r\n"));
            output.WriteLine($"handler {handler}: {shed.StatusLine} Retry-After {shed.Header("Retry-After")}");
            Assert.Equal(503, shed.Status);
            responses.Add(shed);

            // Counted once, by whichever path shed it (the scrape may lag a moment behind).
            await Eventually.WaitAsync(
                async () => await MetricAsync(http, "devicesync_gateway_admission_shed_total") == 1,
                TimeSpan.FromSeconds(10),
                "the shed upgrade was not counted exactly once");
            await stopTrickle.CancelAsync();
            await trickle;
        }

        Assert.Equal(responses[1].StatusLine, responses[0].StatusLine);
        Assert.Equal(responses[1].HeadersExceptDate, responses[0].HeadersExceptDate);
        Assert.Equal(responses[1].Body, responses[0].Body);
    }

    [Fact]
    public async Task A_normal_request_on_a_fresh_connection_and_an_upgrade_as_a_second_request_still_work()
    {
        var phone = await _api.NewDeviceAsync("evc-second");
        var before = await UpgradesAsync(Gateway);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Gateway.Host, Gateway.Port);
        var stream = tcp.GetStream();

        // First a sync on the fresh connection (the peek passes it on), then the upgrade on the same keep-alive connection.
        var sync = $$"""{"collections":[]}""";
        var first = await RawHttp.ExchangeAsync(
            stream,
            $"POST /v1/sync HTTP/1.1\r\nHost: {Gateway.Authority}\r\nAuthorization: Bearer {phone.Token}\r\nContent-Type: application/json\r\nContent-Length: {sync.Length}\r\n\r\n{sync}");
        Assert.Equal(200, first.Status);

        var second = await RawHttp.ExchangeAsync(stream, UpgradeRequest(Gateway, "Authorization: Bearer " + phone.Token + "\r\n"), headOnly: true);
        Assert.Equal(101, second.Status);
        await Eventually.WaitAsync(
            async () => (await UpgradesAsync(Gateway)).Request >= before.Request + 1,
            TimeSpan.FromSeconds(30),
            "the second request's upgrade was not served by the route");

        var version = await PutAsync(phone, "notes", "n-2");
        var frame = await RawHttp.ReadTextFrameAsync(stream, TimeSpan.FromSeconds(10));
        Assert.Contains("\"changed\"", frame, StringComparison.Ordinal);
        Assert.Contains(version.ToString(CultureInfo.InvariantCulture), frame, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_client_sending_its_upgrade_in_pieces_is_served()
    {
        var phone = await _api.NewDeviceAsync("evc-slow");
        var before = await UpgradesAsync(Gateway);
        var request = Encoding.ASCII.GetBytes(UpgradeRequest(Gateway, "Authorization: Bearer " + phone.Token + "\r\n"));

        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(Gateway.Host, Gateway.Port);
        var stream = tcp.GetStream();
        var from = 0;
        foreach (var cut in new[] { 2, 9, 17, 30, 60, request.Length - 3, request.Length })
        {
            await stream.WriteAsync(request.AsMemory(from, cut - from));
            from = cut;
            await Task.Delay(150); // the pieces must arrive apart: this is the input under test, not a wait for a result
        }

        var head = await RawHttp.ReadHeadAsync(stream);
        Assert.Equal(101, head.Status);
        await Eventually.WaitAsync(
            async () => (await UpgradesAsync(Gateway)).Connection >= before.Connection + 1,
            TimeSpan.FromSeconds(30),
            "the slow upgrade was not served by the connection handler");
    }

    [Fact]
    public async Task Oversized_headers_get_kestrel_s_answer_and_a_large_but_allowed_head_still_upgrades()
    {
        var phone = await _api.NewDeviceAsync("evc-large");
        var auth = "Authorization: Bearer " + phone.Token + "\r\n";

        // Past Kestrel's 32 KB of headers: its 431, as before the connection handler.
        var huge = await RawHttp.SendAsync(Gateway, UpgradeRequest(Gateway, auth + "X-Padding: " + new string('a', 40_000) + "\r\n"));
        Assert.Equal(431, huge.Status);

        // Past the handler's 8 KB but within Kestrel's: the route serves it.
        var before = await UpgradesAsync(Gateway);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Gateway.Host, Gateway.Port);
        var large = await RawHttp.ExchangeAsync(tcp.GetStream(), UpgradeRequest(Gateway, auth + "X-Padding: " + new string('a', 10_000) + "\r\n"), headOnly: true);
        Assert.Equal(101, large.Status);
        await Eventually.WaitAsync(
            async () => (await UpgradesAsync(Gateway)).Request >= before.Request + 1,
            TimeSpan.FromSeconds(30),
            "the large upgrade was not served by the route");
    }

    [Fact]
    public async Task A_revoked_device_s_fast_path_socket_is_closed_with_4001_within_5_seconds()
    {
        var phone = await _api.NewDeviceAsync("evc-revoke");
        var lost = await _api.AddDeviceAsync(phone.AccountId, "lost");
        var before = await UpgradesAsync(Gateway);
        await using var lostEvents = await EventSocket.ConnectAsync(Gateway, lost.Token);
        await Eventually.WaitAsync(
            async () => (await UpgradesAsync(Gateway)).Connection >= before.Connection + 1,
            TimeSpan.FromSeconds(30),
            "the socket was not served by the connection handler");

        using (var deleted = await _api.SendAsync(HttpMethod.Delete, "/v1/devices/" + lost.DeviceId, phone.Token))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var revoked = Stopwatch.StartNew();
        var closed = await lostEvents.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        output.WriteLine($"closed with {(int?)closed} {revoked.Elapsed.TotalMilliseconds:F0} ms after the revocation answered");
        Assert.Equal((WebSocketCloseStatus)4001, closed);
    }

    [Fact]
    public async Task With_the_setting_off_every_upgrade_goes_through_the_route_and_stopping_closes_with_1001()
    {
        var phone = await _api.NewDeviceAsync("evc-off");
        await using (var off = await StartGatewayAsync("gateway-evc-off2", handler: false))
        {
            await using var events = await EventSocket.ConnectAsync(off.HttpAddress, phone.Token);
            var version = await PutAsync(phone, "notes", "n-3");
            await events.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));
            var counted = await UpgradesAsync(off.HttpAddress);
            Assert.Equal(0, counted.Connection);
            Assert.Equal(1, counted.Request);
        }

        // And on: a stopping gateway closes its fast-path sockets with 1001 (going away), as the route's.
        await using var on = await StartGatewayAsync("gateway-evc-on", handler: true);
        var socket = await EventSocket.ConnectAsync(on.HttpAddress, phone.Token);
        await using (socket)
        {
            Assert.Equal(1, (await UpgradesAsync(on.HttpAddress)).Connection);
            Assert.True(await on.StopAsync(TimeSpan.FromSeconds(60)), "the gateway did not stop gracefully");
            var closed = await socket.Closed.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, closed);
        }
    }

    private static async Task TrickleAsync(NetworkStream stream, CancellationToken stop)
    {
        var spaces = Encoding.ASCII.GetBytes(new string(' ', 1024));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await stream.WriteAsync(spaces, stop);
                await Task.Delay(250, stop); // the pace of the body under test, not a wait for a result
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Stopped, or the gateway gave up on the body: the assertions above say whether that mattered.
        }
    }

    private static string UpgradeRequest(Uri gateway, string extraHeaders, string query = "") =>
        $"GET /v1/events{query} HTTP/1.1\r\nHost: {gateway.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n" +
        extraHeaders + "\r\n";

    private Task<ServiceProcess> StartGatewayAsync(string name, bool handler) =>
        cluster.Cluster.StartAnotherGatewayAsync(name, new Dictionary<string, string>
        {
            ["Events:ConnectionHandler"] = handler ? "true" : "false",
        });

    private async Task<long> PutAsync(ApiDevice device, string collection, string itemId)
    {
        var result = await _api.SyncOneAsync(device, collection, null, null, Put(1, itemId));
        return Assert.Single(result.GetProperty("results").EnumerateArray()).GetProperty("version").GetInt64();
    }

    /// <summary>The sum of a metric's series on the gateway's <c>/metrics</c>.</summary>
    private static async Task<long> MetricAsync(HttpClient http, string name)
    {
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        return lines.Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    /// <summary>Sockets accepted so far by each path, from the gateway's <c>/metrics</c>.</summary>
    private static async Task<(long Connection, long Request)> UpgradesAsync(Uri gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        long Count(string path) => lines
            .Where(l => l.StartsWith("devicesync_gateway_events_upgrades_total{", StringComparison.Ordinal)
                && l.Contains($"devicesync_path=\"{path}\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
        return (Count("connection"), Count("request"));
    }

    /// <summary>HTTP/1.1 by hand over one TCP connection, so the exact answer (and the connection's reuse) is under test.</summary>
    private static class RawHttp
    {
        public static async Task<Response> SendAsync(Uri gateway, string request)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(gateway.Host, gateway.Port);
            return await ExchangeAsync(tcp.GetStream(), request);
        }

        public static async Task<Response> ExchangeAsync(NetworkStream stream, string request, bool headOnly = false)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            var head = await ReadHeadAsync(stream);
            if (headOnly)
            {
                return head;
            }

            if (string.Equals(head.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                var chunked = new StringBuilder();
                while (true)
                {
                    var size = Convert.ToInt32(await ReadLineAsync(stream), 16);
                    var chunk = new byte[size + 2];
                    await stream.ReadExactlyAsync(chunk);
                    if (size == 0)
                    {
                        return head with { Body = chunked.ToString() };
                    }

                    chunked.Append(Encoding.UTF8.GetString(chunk, 0, size));
                }
            }

            var length = int.Parse(head.Header("Content-Length") ?? "0", CultureInfo.InvariantCulture);
            var body = new byte[length];
            await stream.ReadExactlyAsync(body).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            return head with { Body = Encoding.UTF8.GetString(body) };
        }

        private static async Task<string> ReadLineAsync(NetworkStream stream)
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(one);
                line.Append((char)one[0]);
            }

            return line.ToString().TrimEnd();
        }

        public static async Task<Response> ReadHeadAsync(NetworkStream stream)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one, deadline.Token) == 0)
                {
                    throw new InvalidOperationException($"The gateway closed the connection: {head}");
                }

                head.Append((char)one[0]);
            }

            var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var headers = lines.Skip(1).Select(l => (Name: l[..l.IndexOf(':')], Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
            return new Response(lines[0], int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), headers, "");
        }

        /// <summary>The next text frame's payload (servers never mask; pings and other control frames are skipped).</summary>
        public static async Task<string> ReadTextFrameAsync(NetworkStream stream, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (true)
            {
                var header = new byte[2];
                await stream.ReadExactlyAsync(header, deadline.Token);
                long length = header[1] & 0x7F;
                if (length >= 126)
                {
                    var extended = new byte[length == 126 ? 2 : 8];
                    await stream.ReadExactlyAsync(extended, deadline.Token);
                    length = extended.Aggregate(0L, (l, b) => (l << 8) | b);
                }

                var payload = new byte[length];
                await stream.ReadExactlyAsync(payload, deadline.Token);
                if ((header[0] & 0x0F) == 0x1)
                {
                    return Encoding.UTF8.GetString(payload);
                }
            }
        }

        public sealed record Response(string StatusLine, int Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
        {
            public string HeadersExceptDate => string.Join(
                "\n",
                Headers.Where(h => !h.Name.Equals("Date", StringComparison.OrdinalIgnoreCase)).Select(h => $"{h.Name}: {h.Value}"));

            public string? Header(string name) =>
                Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
        }
    }
}
