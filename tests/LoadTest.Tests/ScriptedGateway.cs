using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DeviceSync.LoadTest.Tests;

/// <summary>Answers each POST with the next (status, body) of its script; a Retry-After is sent with every error.</summary>
internal sealed class ScriptedGateway : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly long _created = System.Diagnostics.Stopwatch.GetTimestamp();

    public ScriptedGateway(IReadOnlyList<(int Status, string? Body)> script, int retryAfterSeconds = 0)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Address = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            foreach (var (status, body) in script)
            {
                var context = await _listener.GetContextAsync();
                Arrivals.Add(System.Diagnostics.Stopwatch.GetElapsedTime(_created));
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    Bodies.Add(await reader.ReadToEndAsync());
                }

                context.Response.StatusCode = status;
                if (status != 200)
                {
                    context.Response.AddHeader("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                var bytes = Encoding.UTF8.GetBytes(status == 200 ? body! : """{"code":"unavailable"}""");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    public Uri Address { get; }

    public List<string> Bodies { get; } = [];

    /// <summary>When each request arrived, since the gateway was created.</summary>
    public List<TimeSpan> Arrivals { get; } = [];

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // stopped while waiting for a request the test no longer needs
        }

        _listener.Close();
    }
}
