using System.Diagnostics.Metrics;
using DeviceSync.Grains.Telemetry;

namespace DeviceSync.Grains.Events;

/// <summary>Instruments of the silo's side of change events (meter <see cref="GrainTelemetry.MeterName"/>).</summary>
internal static class EventsTelemetry
{
    private static readonly Meter Meter = new(GrainTelemetry.MeterName);

    public static readonly Counter<long> NotificationsDropped = Meter.CreateCounter<long>(
        "devicesync.events.notifications.dropped", description: "Commit or revocation notifications dropped: the silo's queue was full, or the events grain stayed unreachable past the retry window.");

    public static readonly Counter<long> NotificationsSent = Meter.CreateCounter<long>(
        "devicesync.events.notifications.sent", description: "Commit and revocation notifications delivered to account events grains.");

    public static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>(
        "devicesync.events.published", description: "Events an account events grain sent to gateways (one per subscribed gateway), by type.");
}
