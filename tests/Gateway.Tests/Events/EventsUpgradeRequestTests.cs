using System.Buffers;
using System.Text;
using DeviceSync.Gateway.Events;

namespace DeviceSync.Gateway.Tests.Events;

/// <summary>
/// The connection handler's peek (<see cref="EventsUpgradeRequest.Parse"/>): only a complete, plain events upgrade is
/// its own; everything else is decided at once (most requests in their first bytes) or needs more bytes.
/// </summary>
public sealed class EventsUpgradeRequestTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Upgrade(string target = "/v1/events", string extra = "Authorization: Bearer t.k\r\n") =>
        $"GET {target} HTTP/1.1\r\nHost: gw.example:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n";

    private static EventsPeekVerdict Parse(string text, out EventsUpgradeRequest? request) =>
        EventsUpgradeRequest.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out request);

    [Fact]
    public void A_plain_upgrade_with_a_header_token_is_taken_with_its_head_length()
    {
        var text = Upgrade();
        Assert.Equal(EventsPeekVerdict.Upgrade, Parse(text + "\x81\x00", out var request));
        Assert.Equal("Bearer t.k", request!.Authorization);
        Assert.Equal(Key, request.WebSocketKey);
        Assert.Equal(text.Length, request.HeadLength);
    }

    [Fact]
    public void A_query_token_is_decoded_as_the_route_reads_it()
    {
        Assert.Equal(EventsPeekVerdict.Upgrade, Parse(Upgrade("/v1/events?access_token=a%2Bb.c", extra: ""), out var request));
        Assert.Equal("Bearer a+b.c", request!.Authorization);
    }

    [Theory]
    [InlineData("POST /v1/sync HTTP/1.1\r\n")]
    [InlineData("GET /v1/sync HTTP/1.1\r\n")]
    [InlineData("GET /v1/eventsx HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    [InlineData("get /v1/events HTTP/1.1\r\n")]
    public void Other_requests_are_not_mine_from_their_first_bytes(string start)
    {
        Assert.Equal(EventsPeekVerdict.NotMine, Parse(start, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("GET /v1/ev")]
    [InlineData("GET /V1/EVENTS")]
    [InlineData("GET /v1/events HTTP/1.1\r\nHost: gw\r\n")]
    public void A_prefix_of_an_events_request_needs_more(string start)
    {
        Assert.Equal(EventsPeekVerdict.NeedMore, Parse(start, out _));
    }

    [Theory]
    [InlineData("GET /v1/events HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer t\r\n\r\n")] // not an upgrade: the route's 400
    [InlineData("GET /v1/events HTTP/1.0\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer t\r\n\r\n")]
    [InlineData("GET /v1/events HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer t\r\n\r\n")] // no Host
    public void Incomplete_or_unusual_upgrades_are_left_to_the_route(string text)
    {
        Assert.Equal(EventsPeekVerdict.NotMine, Parse(text, out _));
    }

    [Theory]
    [InlineData("", "/v1/events")] // no credential: the route's 401
    [InlineData("Authorization: Bearer a\r\nAuthorization: Bearer b\r\n", "/v1/events")]
    [InlineData("Authorization: Bearer a\r\nContent-Length: 0\r\n", "/v1/events")]
    [InlineData("Authorization: Bearer a\r\n folded\r\n", "/v1/events")]
    [InlineData("Authorization: Bearer \u00e9\r\n", "/v1/events")]
    [InlineData("Authorization: Bearer a\r\n", "/v1/events/../events")]
    [InlineData("Authorization: Bearer a\r\n", "/v1/events%2F")]
    [InlineData("Sec-WebSocket-Version: 8\r\nAuthorization: Bearer a\r\n", "/v1/events")]
    public void Upgrades_the_route_must_judge_are_not_mine(string extra, string target)
    {
        Assert.Equal(EventsPeekVerdict.NotMine, Parse(Upgrade(target, extra), out _));
    }

    [Fact]
    public void A_head_past_the_bound_is_left_to_kestrel_s_own_limits()
    {
        var padding = "X-Padding: " + new string('a', EventsUpgradeRequest.MaxHeadBytes) + "\r\n";
        Assert.Equal(EventsPeekVerdict.NotMine, Parse(Upgrade(extra: "Authorization: Bearer a\r\n" + padding), out _));
        Assert.Equal(EventsPeekVerdict.NotMine, Parse(Upgrade(extra: padding)[..(EventsUpgradeRequest.MaxHeadBytes + 10)], out _));
    }

    [Fact]
    public void A_head_split_over_buffer_segments_is_parsed_the_same()
    {
        var bytes = Encoding.ASCII.GetBytes(Upgrade());
        var first = new Segment(bytes.AsMemory(0, 20));
        var last = first.Append(bytes.AsMemory(20));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.Equal(EventsPeekVerdict.Upgrade, EventsUpgradeRequest.Parse(sequence, out var request));
        Assert.Equal(bytes.Length, request!.HeadLength);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
