namespace DeviceSync.Client;

/// <summary>A collection's pull from <c>cursor: null</c> after a resync answer, until its last page.</summary>
internal sealed class FullPull(string reason, long safeVersion, long? oldCursor)
{
    public string Reason { get; } = reason;

    public long SafeVersion { get; } = safeVersion;

    /// <summary>The cursor the device had before the resync, as a version (null when it had none).</summary>
    public long? OldCursor { get; } = oldCursor;

    /// <summary>Items the server listed in the pull.</summary>
    public HashSet<string> Listed { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Listed items whose server copy is older than the one the device holds. Versions only grow, so the server lost the
    /// device's copy: a cut that landed after the resync answer (a restore, a history loss) is not announced to a pull
    /// from null. The device keeps its copy and hands it back when the pull is complete.
    /// </summary>
    public Dictionary<string, SyncItem> Regressed { get; } = new(StringComparer.Ordinal);

    /// <summary>The server's copy of listed items the device could not apply because they have pending local changes.</summary>
    public Dictionary<string, SyncItem> Observed { get; } = new(StringComparer.Ordinal);
}
