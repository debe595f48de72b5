namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One account to create (or add devices to) in a provision call.</summary>
public sealed record ProvisionAccount(string AccountId, int Devices);
