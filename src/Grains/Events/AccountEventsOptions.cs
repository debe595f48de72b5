using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Grains.Events;

/// <summary>Change events on the silo side (section <c>Events</c>; docs/adr/0006-change-events.md).</summary>
public sealed class AccountEventsOptions
{
    public const string SectionName = "Events";

    /// <summary>
    /// At most one <c>changed</c> event per collection per this interval reaches the gateways (PROTOCOL.md: "at most a
    /// few per second per collection"). The first change after a quiet interval goes out at once; later ones in the
    /// interval become one event with the latest version at its end.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan CoalesceInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Notifications (commits and revocations) one silo queues for the events grains. A commit only enqueues, so a slow
    /// or unreachable events grain never slows a write; past this bound notifications are dropped and counted
    /// (devices still see the change at their next sync).
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPendingNotifications { get; set; } = 100_000;
}
