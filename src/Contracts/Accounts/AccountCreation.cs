namespace DeviceSync.Contracts.Accounts;

[GenerateSerializer, Alias("DeviceSync.AccountCreation")]
public enum AccountCreation
{
    None = 0,
    Created = 1,
    AlreadyExists = 2,
}
