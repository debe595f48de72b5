namespace DeviceSync.Gateway.Admin;

/// <summary>A validated <c>POST /v1/admin/provision</c> body.</summary>
public sealed record ProvisionRequest(IReadOnlyList<ProvisionAccount> Accounts);
