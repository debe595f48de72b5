namespace DeviceSync.Gateway.Admin;

public sealed record ProvisionAccount(string AccountId, int Devices);
