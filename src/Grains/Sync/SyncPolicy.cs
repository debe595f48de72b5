using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Grains.Sync;

/// <summary>How long a collection keeps what devices may still need (PROTOCOL.md rules 4 and 5).</summary>
public sealed class SyncPolicy
{
    public const string SectionName = "Sync";

    /// <summary>
    /// PROTOCOL.md promises at least 90 days; a cursor older than the newest purged tombstone must resync.
    /// Shorter values are allowed on purpose (tests, rehearsals); zero or negative would purge deletes at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>PROTOCOL.md promises at least 30 days in the conflict archive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan ConflictRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Mass-delete guard: a request deleting more than this share of a collection's live items ...</summary>
    [Range(0.0, 1.0)]
    public double MassDeleteShare { get; set; } = 0.5;

    /// <summary>... and more than this many items is held back until the device confirms it.</summary>
    [Range(0, int.MaxValue)]
    public int MassDeleteMinimum { get; set; } = 100;

    /// <summary>
    /// Deletes from a device within this time after the server answered it with a resync are held back too: after a
    /// resync a device hands data back, and a delete then more likely comes from a confused local store than a person.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DeleteAfterResyncWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a gateway may answer a device's repeated no-change sync itself before asking the collection again
    /// (docs/adr/0014-no-change-leases.md). Zero: never; every sync reaches the grain. At most 2 s: a crashed silo's
    /// leases must end before the cluster can declare it dead and activate its collections elsewhere (at least 4 s,
    /// Silo/Hosting/FailureDetectionDefaults), because the new activation does not know of them.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:02")]
    public TimeSpan NoChangeLease { get; set; } = TimeSpan.FromSeconds(1);
}
