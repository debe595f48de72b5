namespace DeviceSync.Gateway.Auth;

/// <summary>The device a bearer token proved: one device of one account.</summary>
public sealed record DeviceIdentity(string AccountId, string DeviceId);
