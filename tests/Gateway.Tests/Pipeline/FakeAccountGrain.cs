using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>An in-memory stand-in for the account grain, enough to drive the gateway's HTTP pipeline.</summary>
public sealed class FakeAccountGrain(string accountId) : IAccountGrain
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DeviceInfo Info, byte[] SecretSha256)> _devices = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _collections = new(StringComparer.Ordinal);
    private PasswordHash? _password;
    private bool _exists;
    private int _next;

    public Task<AccountCreation> CreateAsync(PasswordHash password)
    {
        lock (_lock)
        {
            if (_exists)
            {
                return Task.FromResult(AccountCreation.AlreadyExists);
            }

            _exists = true;
            _password = password;
            return Task.FromResult(AccountCreation.Created);
        }
    }

    public Task<PasswordHash?> GetPasswordHashAsync()
    {
        lock (_lock)
        {
            return Task.FromResult(_password);
        }
    }

    public Task<DeviceCredential?> RegisterDeviceAsync(DeviceRegistration device)
    {
        lock (_lock)
        {
            return Task.FromResult(_exists ? Register(device) : null);
        }
    }

    public Task<IReadOnlyList<DeviceCredential>> ProvisionAsync(int devices)
    {
        lock (_lock)
        {
            _exists = true;
            IReadOnlyList<DeviceCredential> credentials = [.. Enumerable.Range(0, devices).Select(_ => Register(new DeviceRegistration { Name = "provisioned", Platform = "load" }))];
            return Task.FromResult(credentials);
        }
    }

    /// <summary>The pipeline tests do not cover idempotency (the API tests do, on the real grain): a plain provision.</summary>
    public Task<IReadOnlyList<DeviceCredential>> ProvisionOnceAsync(string provisionId, int devices) => ProvisionAsync(devices);

    public Task<IReadOnlyList<DeviceInfo>> ListDevicesAsync()
    {
        lock (_lock)
        {
            IReadOnlyList<DeviceInfo> list = [.. _devices.Values.Select(d => d.Info)];
            return Task.FromResult(list);
        }
    }

    public Task<bool> RevokeDeviceAsync(string deviceId)
    {
        lock (_lock)
        {
            return Task.FromResult(_devices.Remove(deviceId));
        }
    }

    public Task<bool> AuthenticateAsync(string deviceId, byte[] tokenSecretSha256)
    {
        lock (_lock)
        {
            return Task.FromResult(_devices.TryGetValue(deviceId, out var device) && CryptographicOperations.FixedTimeEquals(device.SecretSha256, tokenSecretSha256));
        }
    }

    /// <summary>The hash check only: re-admission (ADR 0008) lives in the real grain and is tested there.</summary>
    public async Task<DeviceAuthentication> AuthenticateTokenAsync(string deviceId, string tokenSecret) =>
        await AuthenticateAsync(deviceId, SHA256.HashData(Encoding.UTF8.GetBytes(tokenSecret))) ? new DeviceAuthentication { Authenticated = true } : DeviceAuthentication.Refused;

    public Task<PasswordSetting> SetPasswordAsync(PasswordHash password)
    {
        lock (_lock)
        {
            if (!_exists)
            {
                return Task.FromResult(PasswordSetting.NoAccount);
            }

            if (_password is not null)
            {
                return Task.FromResult(PasswordSetting.AlreadySet);
            }

            _password = password;
            return Task.FromResult(PasswordSetting.Set);
        }
    }

    public Task NoteCollectionAsync(string collection)
    {
        lock (_lock)
        {
            _collections.Add(collection);
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<string>> ListCollectionsAsync()
    {
        lock (_lock)
        {
            IReadOnlyList<string> list = [.. _collections];
            return Task.FromResult(list);
        }
    }

    private DeviceCredential Register(DeviceRegistration device)
    {
        var deviceId = "d" + ++_next;
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _devices[deviceId] = (new DeviceInfo { DeviceId = deviceId, Name = device.Name, Platform = device.Platform, CreatedAt = DateTimeOffset.UtcNow }, SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        return new DeviceCredential { DeviceId = deviceId, Token = DeviceToken.Format(accountId, deviceId, secret) };
    }

    /// <summary>Answer restores as merged, listing the noted collections, instead of "backups off".</summary>
    public bool BackupsOn { get; set; }

    public Task<DeviceSync.Contracts.Backups.AccountRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to)
    {
        lock (_lock)
        {
            return Task.FromResult(BackupsOn
                ? new DeviceSync.Contracts.Backups.AccountRestoreResult { Status = DeviceSync.Contracts.Backups.RestoreStatus.Restored, Collections = [.. _collections] }
                : new DeviceSync.Contracts.Backups.AccountRestoreResult { Status = DeviceSync.Contracts.Backups.RestoreStatus.BackupsOff });
        }
    }
}
