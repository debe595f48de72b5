namespace DeviceSync.Client;

/// <summary>
/// Counters a harness can watch. <see cref="LostDeletesResentAfterConflict"/>: deletes the server lost that met a copy
/// another device handed back after this device's pull, and went again against it (docs/protocol.md section 7, step 4).
/// </summary>
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
    long LocalDeletesAfterExpiry,
    long LostDeletesResentAfterConflict = 0);
