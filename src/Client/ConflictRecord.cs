namespace DeviceSync.Client;

/// <summary>A mutation that lost a conflict, as the archive (<c>GET /v1/conflicts</c>) keeps it.</summary>
public sealed record ConflictRecord(
    string Collection,
    string ItemId,
    string DeviceId,
    long MutationId,
    DateTimeOffset At,
    string? Data,
    bool Deleted,
    long ServerVersion);
