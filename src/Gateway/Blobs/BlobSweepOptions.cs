using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Blobs;

/// <summary>The blob sweeper (section <c>Blobs:Sweep</c>): copies blobs a replica lacks from one that holds them.</summary>
public sealed class BlobSweepOptions
{
    public const string SectionName = "Blobs:Sweep";

    /// <summary>Run the sweeper on this gateway. Off, a replica that lost blobs refills only with what is read (read repair).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Pause between the end of one pass (list every replica, copy what some lack) and the start of the next.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Blobs copied per second at most, so refilling a wiped replica cannot starve device uploads of the replicas.</summary>
    [Range(0.01, 1000)]
    public double MaxCopiesPerSecond { get; set; } = 5;

    /// <summary>Backup lookups (one HEAD each) per second at most while reconciling the backup store; each hash found there is
    /// not looked up again by this gateway, so only the first pass after a start costs one lookup per blob.</summary>
    [Range(1, 10_000)]
    public double MaxBackupChecksPerSecond { get; set; } = 100;
}
