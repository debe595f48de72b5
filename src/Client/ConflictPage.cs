namespace DeviceSync.Client;

/// <summary>One page of the conflict archive.</summary>
public sealed record ConflictPage(IReadOnlyList<ConflictRecord> Conflicts, string? Cursor, bool HasMore);
