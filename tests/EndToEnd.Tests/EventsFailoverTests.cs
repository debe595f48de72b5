using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// <c>/v1/events</c> across real processes (docs/adr/0006-change-events.md): sockets on a second gateway hear of
/// changes and revocations made through the first, and sockets stay open and keep getting changes while every silo
/// is stopped gracefully (a roll) or killed in turn, within the documented bound.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class EventsFailoverTests(ITestOutputHelper output) : TwoGatewayClusterTest(output, new LocalClusterOptions
{
    Silos = 2,
    GatewaySettings = new Dictionary<string, string>
    {
        ["Events:SubscriptionRefresh"] = RefreshSetting,
        // Request logging on, as an operator might turn it on: a token in ?access_token= must still not be written.
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        ["Logging:LogLevel:Default"] = "Information",
        // ... and the events connection handler's own line for each socket it serves (Debug).
        ["Logging:LogLevel:DeviceSync.Gateway.Events"] = "Debug",
    },
})
{
    private const string RefreshSetting = "00:00:10";

    /// <summary>
    /// The documented bound for a change committed after a silo loss to reach a socket: one renewal period
    /// (Events:SubscriptionRefresh), plus the few seconds the renewal's own grain call may take while the cluster settles.
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.Parse(RefreshSetting, CultureInfo.InvariantCulture) + TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_socket_on_another_gateway_gets_changes_and_is_closed_with_4001_when_revoked_there()
    {
        var phone = await Client.NewAccountAsync("ev-gw");
        var tablet = await Client.AddDeviceAsync(phone.AccountId, "tablet");
        await using var tabletEvents = await EventSocket.ConnectAsync(SecondGateway.HttpAddress, tablet.Token, tokenInQuery: true);

        var (version, answered) = await PutAsync(phone, "contacts", "c-1", 1);
        var frame = await tabletEvents.WaitForChangeAsync("contacts", version, TimeSpan.FromSeconds(10));
        var delay = Stopwatch.GetElapsedTime(answered, frame.ArrivedAt);
        Output.WriteLine($"a change through gateway A reached a socket on gateway B {delay.TotalMilliseconds:F0} ms after the sync answered");
        Assert.True(delay < TimeSpan.FromSeconds(1), $"{delay.TotalMilliseconds:F0} ms");

        // Revoked through gateway A: gateway B hears it only from the account's events grain.
        using (var deleted = await Client.SendAsync(HttpMethod.Delete, "/v1/devices/" + tablet.DeviceId, phone.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var revoked = Stopwatch.StartNew();
        var closed = await tabletEvents.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Output.WriteLine($"gateway B closed the revoked device's socket with {(int?)closed} {revoked.Elapsed.TotalMilliseconds:F0} ms after the revocation answered");
        Assert.Equal((WebSocketCloseStatus)4001, closed);

        // Neither gateway wrote the token (it was in the query string, with request logging on at Information).
        await using (await EventSocket.ConnectAsync(Cluster.GatewayAddress, phone.Token, tokenInQuery: true))
        {
        }

        var secret = phone.Token[(phone.Token.LastIndexOf('.') + 1)..];
        // Gateway A logs requests: it did write about this route (ASP.NET Core's "Executing endpoint", or the events
        // connection handler's "Served GET /v1/events" when that served the socket).
        Assert.Contains("GET /v1/events", await ReadSharedAsync(Cluster.Gateway.LogPath), StringComparison.Ordinal);
        foreach (var log in new[] { Cluster.Gateway.LogPath, SecondGateway.LogPath })
        {
            var text = await ReadSharedAsync(log);
            Assert.DoesNotContain(tablet.Token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(phone.Token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sockets_stay_open_and_changes_arrive_within_the_bound_while_each_silo_is_stopped_then_killed()
    {
        // Several accounts, so their events grains are spread over both silos; each has a socket on each gateway.
        var devices = new List<E2eDevice>();
        var sockets = new List<(E2eDevice Device, EventSocket Socket)>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var device = await Client.NewAccountAsync("ev-roll");
                devices.Add(device);
                sockets.Add((device, await EventSocket.ConnectAsync(Cluster.GatewayAddress, device.Token)));
                sockets.Add((device, await EventSocket.ConnectAsync(SecondGateway.HttpAddress, device.Token)));
            }

            long mutation = 0;
            var worst = TimeSpan.Zero;
            async Task ChangeEverywhereAsync(string step)
            {
                mutation++;
                var delays = new List<TimeSpan>();
                foreach (var device in devices)
                {
                    var (version, answered) = await PutAsync(device, "notes", $"n-{mutation}", mutation);
                    foreach (var (_, socket) in sockets.Where(s => s.Device == device))
                    {
                        var frame = await socket.WaitForChangeAsync("notes", version, Bound + TimeSpan.FromSeconds(30));
                        delays.Add(Stopwatch.GetElapsedTime(answered, frame.ArrivedAt));
                    }
                }

                var max = delays.Max();
                worst = max > worst ? max : worst;
                Output.WriteLine($"{step}: {delays.Count} sockets got the change; slowest {max.TotalMilliseconds:F0} ms after its commit answered (bound {Bound.TotalSeconds:F0} s)");
                Assert.True(max <= Bound, $"{step}: a change reached a socket {max.TotalSeconds:F1} s after its commit, past the bound of {Bound.TotalSeconds:F0} s");
            }

            await ChangeEverywhereAsync("before");
            for (var i = 0; i < Cluster.Silos.Count; i++)
            {
                await Cluster.Silos[i].StopAsync();
                await ChangeEverywhereAsync($"silo {i} stopped gracefully");
                await Cluster.Silos[i].StartAsync();
                await ChangeEverywhereAsync($"silo {i} back");
            }

            for (var i = 0; i < Cluster.Silos.Count; i++)
            {
                Cluster.Silos[i].Kill();
                await ChangeEverywhereAsync($"silo {i} killed");
                await Cluster.Silos[i].StartAsync();
                await ChangeEverywhereAsync($"silo {i} restarted");
            }

            Output.WriteLine($"worst: {worst.TotalMilliseconds:F0} ms");
            foreach (var (device, socket) in sockets)
            {
                Assert.False(socket.Closed.IsCompleted, $"a socket of {device.AccountId} was closed during the silo stops");
            }
        }
        finally
        {
            foreach (var (_, socket) in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    /// <summary>Puts one item, resending the same mutation through 503s (a silo is leaving); the version and when the answer came.</summary>
    private async Task<(long Version, long AnsweredAt)> PutAsync(E2eDevice device, string collection, string itemId, long mutationId)
    {
        var body = E2eClient.Body(collection, null, [new JsonObject { ["id"] = mutationId, ["op"] = "put", ["itemId"] = itemId, ["data"] = new JsonObject { ["n"] = mutationId } }]);
        SyncAnswer? answer = null;
        await Eventually.WaitAsync(
            async () =>
            {
                answer = await Client.SyncRawAsync(device, body);
                return answer.IsOk;
            },
            TimeSpan.FromSeconds(90),
            $"a put to {device.AccountId} was not answered 200: {answer}");
        var answeredAt = Stopwatch.GetTimestamp();
        var result = Assert.Single(Assert.Single(answer!.Json().GetProperty("collections").EnumerateArray()).GetProperty("results").EnumerateArray());
        Assert.Contains(result.GetProperty("status").GetString(), new[] { "applied", "duplicate" });
        return (result.GetProperty("version").GetInt64(), answeredAt);
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
