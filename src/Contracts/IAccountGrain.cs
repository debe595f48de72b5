using Orleans.CodeGeneration;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Contracts.Backups;

namespace DeviceSync.Contracts;

/// <summary>One account: its credentials, its devices and their revocations, and the names of its collections. Keyed by account id.</summary>
[Alias("DeviceSync.IAccountGrain"), Version(1)]
public interface IAccountGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<AccountCreation> CreateAsync(PasswordHash password);

    /// <summary>The password hash, or null when the account does not exist or was provisioned without a password.</summary>
    [Alias("GetPasswordHash")]
    Task<PasswordHash?> GetPasswordHashAsync();

    /// <summary>
    /// Gives a password to an account that has none (recovered after storage lost it, ADR 0008, or provisioned); never
    /// replaces one. Added without a version bump; on an older silo this call fails.
    /// </summary>
    [Alias("SetPassword")]
    Task<PasswordSetting> SetPasswordAsync(PasswordHash password);

    /// <summary>Registers a device of an existing account; null when the account does not exist.</summary>
    [Alias("RegisterDevice")]
    Task<DeviceCredential?> RegisterDeviceAsync(DeviceRegistration device);

    /// <summary>Creates the account when it is missing (without a password) and registers <paramref name="devices"/> devices.</summary>
    [Alias("Provision")]
    Task<IReadOnlyList<DeviceCredential>> ProvisionAsync(int devices);

    /// <summary>
    /// Idempotent provisioning: creates the account when it is missing and makes sure it has the <paramref name="devices"/>
    /// devices that <paramref name="provisionId"/> (a caller's secret) derives, creating those that are missing; returns
    /// them all, with the same ids and tokens every time. Added after v0.1.0 without a version bump, so that a gateway of
    /// this build still routes syncs to older silos during a roll; on an older silo this call fails and the gateway falls
    /// back to <see cref="ProvisionAsync"/>.
    /// </summary>
    [Alias("ProvisionOnce")]
    Task<IReadOnlyList<DeviceCredential>> ProvisionOnceAsync(string provisionId, int devices);

    [Alias("ListDevices")]
    Task<IReadOnlyList<DeviceInfo>> ListDevicesAsync();

    /// <summary>Revokes a device; false when the account has no such (live) device.</summary>
    [Alias("RevokeDevice")]
    Task<bool> RevokeDeviceAsync(string deviceId);

    /// <summary>True when the token secret's SHA-256 matches a live device of this account. Also notes the device as seen.</summary>
    [Alias("Authenticate")]
    Task<bool> AuthenticateAsync(string deviceId, byte[] tokenSecretSha256);

    /// <summary>
    /// Checks a device's token secret (the part after the last dot): true when its SHA-256 matches a live device. When
    /// the account does not know the device, re-admission may add it (docs/adr/0008-device-readmission.md). Added without
    /// a version bump: on an older silo this call fails and the gateway falls back to <see cref="AuthenticateAsync"/>.
    /// </summary>
    [Alias("AuthenticateToken")]
    Task<DeviceAuthentication> AuthenticateTokenAsync(string deviceId, string tokenSecret);

    /// <summary>Records that the account has a collection of this name (for account-wide listings).</summary>
    [Alias("NoteCollection")]
    Task NoteCollectionAsync(string collection);

    [Alias("ListCollections")]
    Task<IReadOnlyList<string>> ListCollectionsAsync();

    /// <summary>
    /// Operators: merges the account as the backup holds it at <paramref name="to"/> (null: newest) into the live account
    /// (recreated if lost; devices and revocations the live account lacks are added; nothing is rolled back) and lists
    /// the collections to restore. Added without a version bump; on an older silo this call fails.
    /// </summary>
    [Alias("RestoreFromBackup")]
    Task<AccountRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to);
}
