namespace DeviceSync.Client;

/// <summary>Counters a harness can watch.</summary>
public sealed record DeviceStatistics(
    long Requests,
    long Applied,
    long Duplicates,
    long Conflicts,
    long ChangesApplied,
    long Resyncs,
    long ServerBehind,
    long EpochChanged,
    long CursorExpired,
    long Restores,
    long LocalDeletesAfterExpiry);
