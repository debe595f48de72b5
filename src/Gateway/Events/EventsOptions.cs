using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Events;

/// <summary>The gateway's side of <c>/v1/events</c> (section <c>Events</c>; docs/adr/0006-change-events.md).</summary>
public sealed class EventsOptions
{
    public const string SectionName = "Events";

    /// <summary>How often the server pings each socket (ASP.NET Core's WebSocket keep-alive), so idle connections survive NATs and proxies.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A socket whose device does not answer a ping within this is dropped (a phone that vanished without closing).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the gateway renews each account's subscription with the account's events grain. Also the bound on how
    /// long a subscription lost without notice stays lost (a silo loss the gateway saw, or a graceful move, renews at
    /// once); subscriptions expire at three times this if a gateway stops renewing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SubscriptionRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Serve <c>/v1/events</c> upgrades in a Kestrel connection middleware instead of the HTTP request pipeline (same
    /// URL, same answers; about half the memory per idle socket, docs/benchmarks.md "Event sockets off the request
    /// pipeline"). Off: every upgrade goes through the route, as before.
    /// </summary>
    public bool ConnectionHandler { get; set; } = true;

    /// <summary>A frame that a device does not take within this closes its socket (the device reconnects and syncs).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
