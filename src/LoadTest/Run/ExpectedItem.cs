using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// The latest acknowledged write of an item: the version the server answered and what was written. <see cref="Origin"/>
/// is where the write stands in the item's history: the version it was first applied at. It equals
/// <see cref="Version"/> except for a write a device handed back after a data loss (a <c>restore</c> applied it again,
/// at a version of the new epoch): writes are ordered by their origin, so an older copy handed back later never
/// counts as the latest.
/// </summary>
public sealed record ExpectedItem(long Version, bool Deleted, TaggedItemData? Data, string Tag)
{
    public long Origin { get; init; } = Version;

    /// <summary>The ledger's count of acknowledgements when this one arrived (orders it against resyncs).</summary>
    public long AcknowledgedAt { get; init; }
}
