namespace DeviceSync.Testing;

/// <summary>Silo settings for tests that watch the repair sweeper heal a replica within a run.</summary>
public static class SweeperSettings
{
    /// <summary><c>Backup:CatchUpGrace</c> for such tests: see <see cref="Fast"/>.</summary>
    public const string CatchUpGrace = "00:00:02";

    /// <summary>
    /// A sweep every 5 s and the replicas' markers probed every second (defaults: 1 min and 5 s). The backup's catch-up,
    /// which runs after each sweep and first waits <c>Backup:CatchUpGrace</c> (30 s by default) whenever a stream moved,
    /// waits 2 s: under load a stream always moved, so the default spaced the sweeps ~35 s apart whatever the interval.
    /// </summary>
    public static Dictionary<string, string> Fast() => new()
    {
        ["Storage:Sweep:Interval"] = "00:00:05",
        ["Storage:Sweep:ProbeInterval"] = "00:00:01",
        ["Backup:CatchUpGrace"] = CatchUpGrace,
    };
}
