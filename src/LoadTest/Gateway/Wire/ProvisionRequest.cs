namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The body of <c>POST /v1/admin/provision</c>.</summary>
public sealed record ProvisionRequest(IReadOnlyList<ProvisionAccount> Accounts)
{
    /// <summary>The caller's secret that makes a resent call return the same devices and tokens instead of new ones.</summary>
    public string? ProvisionId { get; init; }
}
