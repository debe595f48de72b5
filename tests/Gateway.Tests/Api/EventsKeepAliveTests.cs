using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using DeviceSync.Testing;
using Xunit.Abstractions;
using static DeviceSync.Gateway.Tests.Api.ApiClient;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// PROTOCOL.md "Events", keep-alive: the server pings every socket at <c>Events:KeepAliveInterval</c> and drops one
/// that does not answer within <c>Events:KeepAliveTimeout</c>. Over real sockets, against a second gateway of the API
/// cluster started with short intervals (1 s and 2 s), so the test takes seconds, not minutes.
/// </summary>
[Collection(ApiClusterCollection.Name)]
[Trait("Category", "Api")]
public sealed class EventsKeepAliveTests(ApiCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly ApiClient _api = new(cluster);

    [Fact]
    public async Task The_server_pings_an_idle_socket_a_peer_that_answers_stays_and_one_that_does_not_is_dropped()
    {
        await using var gateway = await cluster.Cluster.StartAnotherGatewayAsync("gateway-keepalive", new Dictionary<string, string>
        {
            ["Events:KeepAliveInterval"] = "00:00:01",
            ["Events:KeepAliveTimeout"] = "00:00:02",
        });
        var phone = await _api.NewDeviceAsync("ev-ping");
        var laptop = await _api.AddDeviceAsync(phone.AccountId, "laptop");

        // A device whose WebSocket library answers pings (ClientWebSocket does, inside its receive loop).
        await using var answering = await EventSocket.ConnectAsync(gateway.HttpAddress, laptop.Token);

        // A peer that never answers: a raw TCP connection that does the upgrade, then only reads.
        using var silent = await RawWebSocket.UpgradeAsync(gateway.HttpAddress, phone.Token);
        var started = Stopwatch.GetTimestamp();
        var pings = new List<TimeSpan>();
        TimeSpan? droppedAfter = null;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                var frame = await silent.ReadFrameAsync(deadline.Token);
                if (frame is null)
                {
                    droppedAfter = Stopwatch.GetElapsedTime(started);
                    break;
                }

                if (frame.Value.Opcode == RawWebSocket.PingOpcode)
                {
                    pings.Add(Stopwatch.GetElapsedTime(started));
                }
            }
        }

        output.WriteLine($"pings at {string.Join(", ", pings.Select(p => $"{p.TotalMilliseconds:F0} ms"))}; the silent peer was dropped after {droppedAfter?.TotalMilliseconds:F0} ms");

        // Pinged while idle, at the interval; dropped once a ping went unanswered for the timeout (generous bounds: the
        // machine is shared, a timer may fire late, never early by much).
        Assert.NotEmpty(pings);
        Assert.InRange(pings[0], Interval * 0.5, Interval * 10);
        Assert.NotNull(droppedAfter);
        Assert.InRange(droppedAfter.Value, Interval + Timeout - TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

        // The answering socket was pinged just as long and is still open: a change still reaches it.
        Assert.False(answering.Closed.IsCompleted, "the answering socket was closed");
        var result = await _api.SyncOneAsync(phone, "notes", null, null, Put(1, "n-1"));
        var version = Assert.Single(result.GetProperty("results").EnumerateArray()).GetProperty("version").GetInt64();
        await answering.WaitForChangeAsync("notes", version, TimeSpan.FromSeconds(10));
    }

    /// <summary>The client side of RFC 6455 by hand, to be a peer that reads but never answers a ping.</summary>
    private sealed class RawWebSocket : IDisposable
    {
        public const int PingOpcode = 0x9;

        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        private RawWebSocket(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<RawWebSocket> UpgradeAsync(Uri gateway, string token)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(gateway.Host, gateway.Port);
            var socket = new RawWebSocket(tcp);
            var request =
                $"GET /v1/events HTTP/1.1\r\nHost: {gateway.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n" +
                $"Authorization: Bearer {token}\r\n\r\n";
            await socket._stream.WriteAsync(Encoding.ASCII.GetBytes(request));

            // The response head, byte by byte up to the blank line (nothing follows it until the server sends a frame).
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket._stream.ReadAsync(one) == 0)
                {
                    throw new InvalidOperationException($"The gateway closed during the upgrade: {head}");
                }

                head.Append((char)one[0]);
            }

            Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
            return socket;
        }

        /// <summary>The next frame from the server (servers never mask), or null when the connection ended.</summary>
        public async Task<(int Opcode, byte[] Payload)?> ReadFrameAsync(CancellationToken ct)
        {
            var header = new byte[2];
            if (!await ReadExactlyOrEndAsync(header, ct))
            {
                return null;
            }

            long length = header[1] & 0x7F;
            if (length >= 126)
            {
                var extended = new byte[length == 126 ? 2 : 8];
                if (!await ReadExactlyOrEndAsync(extended, ct))
                {
                    return null;
                }

                length = 0;
                foreach (var b in extended)
                {
                    length = (length << 8) | b;
                }
            }

            var payload = new byte[length];
            return await ReadExactlyOrEndAsync(payload, ct) ? (header[0] & 0x0F, payload) : null;
        }

        public void Dispose()
        {
            _stream.Dispose();
            _tcp.Dispose();
        }

        private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken ct)
        {
            try
            {
                await _stream.ReadExactlyAsync(buffer, ct);
                return true;
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException)
            {
                // Closed or reset by the server: that is the drop being tested.
                return false;
            }
        }
    }
}
