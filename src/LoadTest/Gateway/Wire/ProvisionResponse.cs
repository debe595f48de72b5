namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The <c>200</c> body of <c>POST /v1/admin/provision</c>.</summary>
public sealed record ProvisionResponse
{
    public IReadOnlyList<ProvisionedAccount> Accounts { get; init; } = [];
}
