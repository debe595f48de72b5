namespace DeviceSync.Contracts.Accounts;

/// <summary>What <see cref="IAccountGrain.SetPasswordAsync"/> did.</summary>
[GenerateSerializer, Alias("DeviceSync.PasswordSetting")]
public enum PasswordSetting
{
    None = 0,
    Set = 1,

    /// <summary>The account has a password already: this call never replaces one.</summary>
    AlreadySet = 2,

    NoAccount = 3,
}
