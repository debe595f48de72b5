namespace DeviceSync.Gateway.Tests.Api;

/// <summary>A registered device as a test holds it.</summary>
public sealed record ApiDevice(string AccountId, string Password, string DeviceId, string Token);
