namespace DeviceSync.Gateway.Admin;

/// <summary>A validated <c>POST /v1/admin/provision</c> body.</summary>
/// <param name="ProvisionId">The caller's secret that makes the call idempotent (retries return the same devices and
/// tokens); null: every call creates new devices, as before.</param>
public sealed record ProvisionRequest(IReadOnlyList<ProvisionAccount> Accounts, string? ProvisionId = null);
