namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>A provisioned device: its id and bearer token.</summary>
public sealed record ProvisionedDevice
{
    public string DeviceId { get; init; } = "";
    public string Token { get; init; } = "";
}
