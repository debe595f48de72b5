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
}
