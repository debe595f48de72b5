namespace DeviceSync.Grains.Storage;

/// <summary>The background sweeper and the replica health probe (section <c>Storage:Sweep</c>).</summary>
public sealed class ReplicaSweepOptions
{
    public const string SectionName = "Storage:Sweep";

    /// <summary>Run the sweeper at all (one per cluster, on whichever silo holds it). Off, lagging replicas are repaired only
    /// when their streams are opened, and an unhealed replica never heals.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Pause between the end of one sweep and the start of the next.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Streams the sweeper repairs per second at most (each is a read of every replica and the writes it lacks),
    /// so a sweep after a wipe cannot starve device traffic.</summary>
    public double MaxRepairsPerSecond { get; set; } = 20;

    /// <summary>Streams the sweeper repairs at once at most, within <see cref="MaxRepairsPerSecond"/>. A repair waits for
    /// the stream's owning grain and for every replica, so under load one at a time cannot reach the pace.</summary>
    public int MaxConcurrentRepairs { get; set; } = 4;

    /// <summary>Journal row keys the sweeper reads per second at most, per replica, while comparing the replicas.</summary>
    public int MaxRowsScannedPerSecond { get; set; } = 20_000;

    /// <summary>How often every silo reads the replicas' identity markers (a replica wiped under an idle silo is noticed
    /// within this; a silo that touches it notices at once) and reports its view to the sweeper.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);
}
