namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The body of <c>POST /v1/admin/provision</c>.</summary>
public sealed record ProvisionRequest(IReadOnlyList<ProvisionAccount> Accounts);
