namespace DeviceSync.Gateway.Backups;

/// <summary>A validated restore request: the point (null: the newest backed-up point) and optionally one collection.</summary>
public sealed record RestoreRequest(DateTimeOffset? To, string? Collection);
