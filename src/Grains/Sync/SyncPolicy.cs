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
}
