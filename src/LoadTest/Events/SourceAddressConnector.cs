using System.Net;
using System.Net.Sockets;

namespace DeviceSync.LoadTest.Events;

/// <summary>
/// Opens the harness's TCP connections from several loopback source addresses in turn (127.0.0.2, 127.0.0.3, ...).
/// One source address and one gateway port give at most one connection per local port (32768–60999 here, ~28,000):
/// to hold 100,000 sockets on one machine the connections must come from several addresses. Linux routes all of
/// 127.0.0.0/8 to the loopback interface, so binding any of them needs no setup.
/// </summary>
public sealed class SourceAddressConnector
{
    /// <summary>Linux's <c>SOL_IP</c> and <c>IP_BIND_ADDRESS_NO_PORT</c> (linux/in.h), which .NET has no names for.</summary>
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly IPAddress[] _sources;
    private int _next = -1;

    /// <param name="count">How many addresses from 127.0.0.2 on; 0 = let the system choose (one address).</param>
    public SourceAddressConnector(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 250);
        _sources = [.. Enumerable.Range(2, count).Select(i => new IPAddress(new byte[] { 127, 0, 0, (byte)i }))];
    }

    public IReadOnlyList<IPAddress> Sources => _sources;

    /// <summary>A handler whose connections are bound to the next source address before they connect.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        // IPv4 when bound to a 127.0.0.x source (the gateway must then be reached over IPv4 too, e.g. 127.0.0.1).
        var socket = _sources.Length > 0
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_sources.Length > 0)
            {
                // Port 0: the kernel picks a free port for this address, so each address has its own port range.
                // IP_BIND_ADDRESS_NO_PORT leaves the choice to connect(), which looks only for a port free towards
                // this destination: a bind() that picks the port itself searches every port the address uses, and
                // with tens of thousands of sockets that search made the kernel the busiest thing on the machine
                // (74 % system CPU while six harness processes ramped up 100,000 sockets).
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                var source = _sources[(int)((uint)Interlocked.Increment(ref _next) % (uint)_sources.Length)];
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
