using DeviceSync.LoadTest.Gateway.Wire;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// A simulated device's pull from <c>cursor: null</c> after a <c>server-behind</c> or <c>epoch-changed</c> resync
/// (docs/protocol.md section 7): what the server listed, and the deletes held back until its copy of the item is known.
/// </summary>
internal sealed class ResyncPull(string reason, long safeVersion, long? oldCursor)
{
    public string Reason => reason;

    /// <summary>The highest version the server still holds of the device's old epoch: local versions above it were lost.</summary>
    public long SafeVersion => safeVersion;

    /// <summary>The cursor the device had before the resync (for <c>cursor-expired</c>: what was synced before it).</summary>
    public long? OldCursor => oldCursor;

    /// <summary>The server's state of every item the pull listed (its latest, when listed twice).</summary>
    public Dictionary<string, ItemState> Listed { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Items whose delete (a local tombstone or a pending delete above <see cref="SafeVersion"/>) waits for the pull, with
    /// the version the delete refers to (the tombstone's, or the one the pending delete was based on).
    /// </summary>
    public Dictionary<string, long> HeldDeletes { get; } = new(StringComparer.Ordinal);

    /// <summary>Items handed back with <c>restore</c> (or re-sent as puts) in the pull's first request.</summary>
    public HashSet<string> HandedBack { get; } = new(StringComparer.Ordinal);
}
