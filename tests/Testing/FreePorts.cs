using System.Net;
using System.Net.Sockets;

namespace DeviceSync.Testing;

/// <summary>
/// Free loopback TCP ports, handed out by the operating system (bind to port 0), each at most once per test process.
/// </summary>
public static class FreePorts
{
    // A port is released as soon as it is handed out, and the process it is for binds it seconds later (a gateway
    // starts after its silos). Meanwhile the OS may offer the same port again: once it did, a silo took the gateway's
    // port, answered its /readyz, and the test's first request got the silo's 404. So the process remembers every
    // port it handed out and never hands one out twice (a few hundred per run out of ~28,000 ephemeral ports).
    private static readonly HashSet<int> HandedOut = [];
    private const int MaxAttempts = 100;

    /// <summary>Returns <paramref name="count"/> distinct ports that were free a moment ago and were not handed out before.</summary>
    public static IReadOnlyList<int> Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var ports = new List<int>(count);
        var listeners = new List<TcpListener>(count);
        lock (HandedOut)
        {
            try
            {
                // Hold every listener until all ports are known, so the OS cannot hand out the same port twice.
                for (var attempt = 0; ports.Count < count; attempt++)
                {
                    if (attempt == MaxAttempts)
                    {
                        throw new InvalidOperationException($"No {count} fresh loopback ports after {MaxAttempts} attempts.");
                    }

                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    listeners.Add(listener);
                    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    if (HandedOut.Add(port))
                    {
                        ports.Add(port);
                    }
                }

                return ports;
            }
            finally
            {
                foreach (var listener in listeners)
                {
                    listener.Stop();
                }
            }
        }
    }

    /// <summary>Returns one free loopback port.</summary>
    public static int Take() => Take(1)[0];
}
