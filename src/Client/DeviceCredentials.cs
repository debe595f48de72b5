namespace DeviceSync.Client;

/// <summary>What <c>POST /v1/devices</c> hands a device: its id and its bearer token (keep the token secret).</summary>
public sealed record DeviceCredentials(string AccountId, string DeviceId, string Token);
