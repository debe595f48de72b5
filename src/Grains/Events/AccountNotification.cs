namespace DeviceSync.Grains.Events;

/// <summary>One queued notification for an account's events grain: a commit (collection and version) or a revocation (device).</summary>
internal readonly record struct AccountNotification(string AccountId, string? Collection, long Version, string? RevokedDeviceId);
