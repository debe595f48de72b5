namespace DeviceSync.LoadTest.Run;

/// <summary>What the checker found wrong with one item.</summary>
public enum CheckerFindingKind
{
    None = 0,

    /// <summary>An acknowledged write is not on the server: the item is missing, older, or was replaced by a write no device made.</summary>
    Lost = 1,

    /// <summary>The server has the acknowledged version but other data (or a tombstone where data was written, or the reverse).</summary>
    Corrupted = 2,

    /// <summary>One mutation produced two versions.</summary>
    AppliedTwice = 3,

    /// <summary>The server holds an item no simulated device wrote.</summary>
    Unexpected = 4,

    /// <summary>The checker could not read the account's collection through the API.</summary>
    Unreadable = 5,

    /// <summary>
    /// Wrong data after a data loss: the server holds an *older* write of the item, handed back by a device that had a
    /// stale copy, in place of the acknowledged one, which a device did hold and hand back (the server kept the first
    /// hand-back and archived the later one as a conflict, protocol rule 7).
    /// </summary>
    Superseded = 6,

    /// <summary>
    /// Lost (or replaced by an older write) with the server's data, and no device held the acknowledged write when the
    /// devices were told to resync: nobody could hand it back. Expected only when the run lost every copy on purpose.
    /// </summary>
    Unrecoverable = 7,
}
