namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>An account and its new devices, as provisioning returned them.</summary>
public sealed record ProvisionedAccount
{
    public string AccountId { get; init; } = "";
    public IReadOnlyList<ProvisionedDevice> Devices { get; init; } = [];
}
