namespace DeviceSync.Gateway.Accounts;

/// <summary>A validated <c>POST /v1/accounts</c> body. The password is hashed at once and never logged.</summary>
public sealed record NewAccount(string AccountId, string Password)
{
    public override string ToString() => $"NewAccount {{ AccountId = {AccountId} }}";
}
