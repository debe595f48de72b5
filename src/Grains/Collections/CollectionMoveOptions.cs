namespace DeviceSync.Grains.Collections;

/// <summary>How collection grains move off a silo that shuts down (section <c>Collections</c>).</summary>
public sealed class CollectionMoveOptions
{
    public const string SectionName = "Collections";

    /// <summary>
    /// On a graceful silo shutdown, ask Orleans to migrate each collection grain to another silo, where it loads its
    /// journal at once instead of at the next device request. The new activation still reads its stream from the
    /// replicas (that read is its fence against the old one); what changes is when. Off: measured during rolls under
    /// load it did not lower latency and made the tail worse, as every moved grain's load lands on the remaining silos
    /// at once (docs/upgrades.md, "Migration on shutdown, measured").
    /// </summary>
    public bool MigrateOnShutdown { get; set; }
}
