namespace DeviceSync.Client;

/// <summary>A live device of the account, as <c>GET /v1/devices</c> lists it.</summary>
public sealed record DeviceInfo(string DeviceId, string Name, string Platform, DateTimeOffset CreatedAt, DateTimeOffset? LastSeenAt);
