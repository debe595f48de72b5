namespace DeviceSync.EndToEnd.Tests.Support;

/// <summary>A registered device as a test holds it: the account it belongs to and its bearer token.</summary>
public sealed record E2eDevice(string AccountId, string DeviceId, string Token);
