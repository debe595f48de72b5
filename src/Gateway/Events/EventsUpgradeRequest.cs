using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace DeviceSync.Gateway.Events;

/// <summary>What the first bytes of a connection say to <see cref="EventsConnectionMiddleware"/>.</summary>
public enum EventsPeekVerdict
{
    /// <summary>Not a plain <c>/v1/events</c> WebSocket upgrade: Kestrel's HTTP handler takes the connection untouched.</summary>
    NotMine = 0,

    /// <summary>So far a prefix of one: read more before deciding.</summary>
    NeedMore = 1,

    /// <summary>A complete, clean <c>GET /v1/events</c> WebSocket upgrade the connection handler serves itself.</summary>
    Upgrade = 2,
}

/// <summary>
/// The parts of a <c>GET /v1/events</c> WebSocket upgrade the connection handler needs, parsed from the raw request
/// head. Deliberately strict: anything the handler would have to judge the way Kestrel does (an unusual target, a
/// body, folded or odd header lines, duplicates, a head past <see cref="MaxHeadBytes"/>) is <see cref="EventsPeekVerdict.NotMine"/>,
/// so Kestrel and the request delegate answer it exactly as before; only the plain case takes the fast path.
/// </summary>
public sealed class EventsUpgradeRequest
{
    /// <summary>
    /// The largest request head (request line and headers) taken on the fast path. A device's upgrade is a few hundred
    /// bytes; a larger one goes to Kestrel, whose limits (32 KB of headers, then 431) apply as before.
    /// </summary>
    public const int MaxHeadBytes = 8 * 1024;

    private static ReadOnlySpan<byte> Prefix => "GET /v1/events"u8;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private EventsUpgradeRequest(string authorization, string webSocketKey, int headLength)
    {
        Authorization = authorization;
        WebSocketKey = webSocketKey;
        HeadLength = headLength;
    }

    /// <summary>What DeviceAuthFilter.ReadAuthorization would read: the header, else <c>Bearer</c> + the one <c>access_token</c>.</summary>
    public string Authorization { get; }

    public string WebSocketKey { get; }

    /// <summary>Bytes of the request head, blank line included: what the handler consumes before the WebSocket frames.</summary>
    public int HeadLength { get; }

    /// <summary>
    /// Judges the bytes a connection has sent so far. Costs a compare of at most 15 bytes for any other request (most
    /// differ in the first byte or the ninth), and allocates nothing unless the request is a complete events upgrade.
    /// </summary>
    public static EventsPeekVerdict Parse(ReadOnlySequence<byte> buffer, out EventsUpgradeRequest? request)
    {
        request = null;
        Span<byte> start = stackalloc byte[Prefix.Length + 1];
        var known = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, known).CopyTo(start);
        if (!StartsLikeEvents(start[..known]))
        {
            return EventsPeekVerdict.NotMine;
        }

        if (known < start.Length)
        {
            return EventsPeekVerdict.NeedMore;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
        {
            return buffer.Length >= MaxHeadBytes ? EventsPeekVerdict.NotMine : EventsPeekVerdict.NeedMore;
        }

        var headLength = (int)reader.Consumed;
        if (headLength > MaxHeadBytes)
        {
            return EventsPeekVerdict.NotMine;
        }

        // The head is small: one contiguous copy keeps the parsing simple (only for events upgrades, never other requests).
        var bytes = head.IsSingleSegment ? head.FirstSpan : head.ToArray();
        request = ParseHead(bytes, headLength);
        return request is null ? EventsPeekVerdict.NotMine : EventsPeekVerdict.Upgrade;
    }

    /// <summary>The bytes so far agree with <c>GET /v1/events</c> followed by a space or <c>?</c> (the path compared case-insensitively, as routing does).</summary>
    private static bool StartsLikeEvents(ReadOnlySpan<byte> start)
    {
        var prefix = Prefix;
        for (var i = 0; i < start.Length; i++)
        {
            var b = start[i];
            if (i == prefix.Length)
            {
                return b is (byte)' ' or (byte)'?';
            }

            var expected = prefix[i];
            if (b != expected && (i < 4 || AsciiLower(b) != expected))
            {
                return false;
            }
        }

        return true;
    }

    private static byte AsciiLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;

    private static EventsUpgradeRequest? ParseHead(ReadOnlySpan<byte> head, int headLength)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];

        // "GET /v1/events[?query] HTTP/1.1", nothing else (no absolute form, no HTTP/1.0, no stray spaces).
        if (!requestLine.EndsWith(" HTTP/1.1"u8))
        {
            return null;
        }

        var target = requestLine[4..^" HTTP/1.1"u8.Length];
        if (target.IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0)
        {
            return null;
        }

        var query = target.Length > Prefix.Length - 4 ? target[(Prefix.Length - 4)..] : [];
        string? authorization = null;
        string? key = null;
        bool host = false, upgrade = false, connectionUpgrade = false, version13 = false;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]) || !IsFieldValue(line[(colon + 1)..]))
            {
                return null; // also folded lines (they start with a space) and lone CR/LF: Kestrel's judgement
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Is(name, "host"))
            {
                if (host || value.IsEmpty || value.IndexOfAnyExcept(HostChars) >= 0)
                {
                    return null;
                }

                host = true;
            }
            else if (Is(name, "authorization"))
            {
                if (authorization is not null)
                {
                    return null;
                }

                authorization = Encoding.ASCII.GetString(value);
            }
            else if (Is(name, "upgrade"))
            {
                if (upgrade || !Ascii.EqualsIgnoreCase(value, "websocket"u8))
                {
                    return null;
                }

                upgrade = true;
            }
            else if (Is(name, "connection"))
            {
                connectionUpgrade |= HasToken(value, "upgrade"u8);
            }
            else if (Is(name, "sec-websocket-version"))
            {
                if (version13 || !value.SequenceEqual("13"u8))
                {
                    return null;
                }

                version13 = true;
            }
            else if (Is(name, "sec-websocket-key"))
            {
                if (key is not null || !IsWebSocketKey(value))
                {
                    return null;
                }

                key = Encoding.ASCII.GetString(value);
            }
            else if (Is(name, "content-length") || Is(name, "transfer-encoding"))
            {
                return null; // a body on a GET: Kestrel decides what that means
            }
        }

        if (!host || !upgrade || !connectionUpgrade || !version13 || key is null)
        {
            return null;
        }

        // Without any credential the route answers 401: left to it, so that answer stays the route's own.
        authorization ??= QueryToken(query);
        return string.IsNullOrEmpty(authorization) ? null : new EventsUpgradeRequest(authorization, key, headLength);
    }

    /// <summary>
    /// The <c>access_token</c> query value as a bearer credential when there is exactly one non-empty one (what
    /// DeviceAuthFilter.ReadAuthorization reads); null or "" without one.
    /// </summary>
    private static string? QueryToken(ReadOnlySpan<byte> query)
    {
        if (query.IsEmpty)
        {
            return "";
        }

        if (query[0] != (byte)'?')
        {
            return null;
        }

        var values = QueryHelpers.ParseQuery(Encoding.ASCII.GetString(query));
        return values.TryGetValue("access_token", out var tokens) && tokens.Count == 1 && !string.IsNullOrEmpty(tokens[0])
            ? "Bearer " + tokens[0]
            : "";
    }

    private static bool Is(ReadOnlySpan<byte> name, string expected) => Ascii.EqualsIgnoreCase(name, expected);

    private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 6455: base64 of 16 bytes (24 characters), as ASP.NET Core's WebSocket middleware requires.</summary>
    private static bool IsWebSocketKey(ReadOnlySpan<byte> value)
    {
        Span<byte> decoded = stackalloc byte[18];
        return value.Length == 24
            && System.Buffers.Text.Base64.DecodeFromUtf8(value, decoded, out _, out var written) == OperationStatus.Done
            && written == 16;
    }

    private static bool IsToken(ReadOnlySpan<byte> name) => name.IndexOfAnyExcept(TokenChars) < 0;

    /// <summary>Visible ASCII, spaces and tabs only: anything else (obs-text, control bytes) is left to Kestrel's rules.</summary>
    private static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> HostChars =
        SearchValues.Create("-.:[]0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
}
