using System.Security.Cryptography;
using System.Text;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Contracts.Backups;
using DeviceSync.Contracts.Operations;
using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Events;
using DeviceSync.Grains.Journaling;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// One account: credentials, devices, revocations. State lives in the same replicated journal as collections,
/// so an account is exactly as durable as its data. Tokens are generated here and only their hashes kept.
/// </summary>
public sealed class AccountGrain(IJournalStore journalStore, BackupConnection backups, AccountEventsPublisher events, DeviceTokenKeys tokenKeys, TimeProvider timeProvider, ILogger<AccountGrain> logger)
    : Grain, IAccountGrain, IJournalOwnerGrain
{
    /// <summary>Last-seen times are flushed at most this often (and at deactivation), not on every request.</summary>
    private static readonly TimeSpan SeenFlushInterval = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, DateTimeOffset> _unflushedSeen = new(StringComparer.Ordinal);
    private JournalSession? _journal;
    private AccountLedger? _ledger;

    // True while a creation runs on a ledger assumed empty (CreatingAsync): nothing was read, so the ledger is only as
    // good as the append that will prove it.
    private bool _assumingNew;
    private DateTimeOffset _lastSeenFlush;
    private string _accountId = "";

    // Anyone may send well-formed ds1 tokens: refusals are logged at most once a minute per account (the metric counts each).
    private readonly LogThrottle _refusalLog = new(TimeSpan.FromMinutes(1));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _accountId = this.GetPrimaryKeyString();
        _journal = new JournalSession(journalStore, JournalStreams.ForAccount(_accountId), logger);
        _lastSeenFlush = timeProvider.GetUtcNow();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushSeenAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SeenFlushFailed(logger, ex, _accountId);
        }
    }

    public Task<AccountCreation> CreateAsync(PasswordHash password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return CreatingAsync(async ledger =>
        {
            if (ledger.Exists)
            {
                return AccountCreation.AlreadyExists;
            }

            await CommitAsync(new AccountChange { CreatedAt = timeProvider.GetUtcNow(), Password = password });
            return AccountCreation.Created;
        });
    }

    public async Task<JournalRepairResult> RepairJournalAsync()
    {
        var result = await journalStore.RepairAsync(_journal!.StreamKey);
        if (_ledger is null)
        {
            DeactivateOnIdle(); // activated only for the sweeper: do not keep it in memory
        }

        return result;
    }

    public async Task<PasswordHash?> GetPasswordHashAsync() => (await EnsureLoadedAsync()).Password;

    public async Task<PasswordSetting> SetPasswordAsync(PasswordHash password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var ledger = await EnsureLoadedAsync();
        if (!ledger.Exists)
        {
            return PasswordSetting.NoAccount;
        }

        if (ledger.Password is not null)
        {
            return PasswordSetting.AlreadySet;
        }

        await CommitAsync(new AccountChange { PasswordSet = password });
        return PasswordSetting.Set;
    }

    public async Task<DeviceCredential?> RegisterDeviceAsync(DeviceRegistration device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ledger = await EnsureLoadedAsync();
        if (!ledger.Exists)
        {
            return null;
        }

        var change = new AccountChange();
        var (record, credential) = NewDevice(device.Name, device.Platform, EnsureIncarnation(ledger, change));
        change.DevicesAdded = [record];
        await CommitAsync(change);
        return credential;
    }

    /// <summary>Provisioning creates the account it adds devices to when it does not exist yet: the creation time, or null.</summary>
    private DateTimeOffset? CreatedAtIfNew(AccountLedger ledger) => ledger.Exists ? null : timeProvider.GetUtcNow();

    public Task<IReadOnlyList<DeviceCredential>> ProvisionAsync(int devices)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 0);
        return CreatingAsync(ledger => ProvisionIntoAsync(ledger, devices));
    }

    private async Task<IReadOnlyList<DeviceCredential>> ProvisionIntoAsync(AccountLedger ledger, int devices)
    {
        var change = new AccountChange { DevicesAdded = [], CreatedAt = CreatedAtIfNew(ledger) };
        var incarnation = EnsureIncarnation(ledger, change);

        var credentials = new List<DeviceCredential>(devices);
        for (var i = 0; i < devices; i++)
        {
            var (record, credential) = NewDevice($"provisioned-{i + 1}", "provisioned", incarnation);
            change.DevicesAdded.Add(record);
            credentials.Add(credential);
        }

        await CommitAsync(change);
        return credentials;
    }

    public Task<IReadOnlyList<DeviceCredential>> ProvisionOnceAsync(string provisionId, int devices)
    {
        ArgumentException.ThrowIfNullOrEmpty(provisionId);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 0);
        return CreatingAsync(ledger => ProvisionOnceIntoAsync(ledger, provisionId, devices));
    }

    private async Task<IReadOnlyList<DeviceCredential>> ProvisionOnceIntoAsync(AccountLedger ledger, string provisionId, int devices)
    {
        var change = new AccountChange { DevicesAdded = [], CreatedAt = CreatedAtIfNew(ledger) };
        var incarnation = EnsureIncarnation(ledger, change);

        var credentials = new List<DeviceCredential>(devices);
        for (var i = 0; i < devices; i++)
        {
            var (deviceId, plainSecret) = ProvisionedDeviceKeys.Derive(provisionId, _accountId, i);
            var nonce = ProvisionedDeviceKeys.DeriveNonce(provisionId, _accountId, i);
            DeviceCredential Credential(string secret) => new() { DeviceId = deviceId, Token = DeviceToken.Format(_accountId, deviceId, secret) };
            switch (ledger.FindDevice(deviceId))
            {
                case null:
                    // Tagged under the first key when there is one, so the device can be readmitted after a total loss.
                    var secret = tokenKeys.TaggedSecrets(_accountId, deviceId, incarnation, nonce).FirstOrDefault() ?? plainSecret;
                    change.DevicesAdded.Add(NewRecord(deviceId, secret, $"provisioned-{i + 1}", "provisioned"));
                    credentials.Add(Credential(secret));
                    break;
                case { RevokedAt: null } existing:
                    // Created by an earlier attempt of this very provisioning whose answer was lost: hand it out again. It
                    // was made plain (no key then) or tagged under some key, maybe not the first one today: the one whose
                    // hash is stored. A key removed since leaves none to find, and nothing is handed out for that device.
                    var candidates = tokenKeys.TaggedSecrets(_accountId, deviceId, incarnation, nonce).Append(plainSecret);
                    if (candidates.FirstOrDefault(c => CryptographicOperations.FixedTimeEquals(HashSecret(c), existing.TokenSha256)) is { } same)
                    {
                        credentials.Add(Credential(same));
                    }

                    break;
                default:
                    // Revoked since: a retry must not bring back a device someone revoked.
                    break;
            }
        }

        if (change.CreatedAt is not null || change.DevicesAdded.Count > 0)
        {
            await CommitAsync(change);
        }

        return credentials;
    }

    public async Task<IReadOnlyList<DeviceInfo>> ListDevicesAsync()
    {
        var ledger = await EnsureLoadedAsync();
        return [.. ledger.LiveDevices.OrderBy(d => d.CreatedAt).ThenBy(d => d.DeviceId, StringComparer.Ordinal).Select(d => new DeviceInfo
        {
            DeviceId = d.DeviceId,
            Name = d.Name,
            Platform = d.Platform,
            CreatedAt = d.CreatedAt,
            LastSeenAt = _unflushedSeen.TryGetValue(d.DeviceId, out var seen) ? seen : d.LastSeenAt,
            ReadmittedAt = d.ReadmittedAt,
        })];
    }

    public async Task<bool> RevokeDeviceAsync(string deviceId)
    {
        var ledger = await EnsureLoadedAsync();
        if (ledger.FindLiveDevice(deviceId) is null)
        {
            return false;
        }

        await CommitAsync(new AccountChange { DevicesRevoked = [deviceId], RevokedAt = timeProvider.GetUtcNow() });
        _unflushedSeen.Remove(deviceId);

        // Gateways close the device's event sockets with 4001 (PROTOCOL.md: within 5 s). Only enqueues.
        events.DeviceRevoked(_accountId, deviceId);
        Log.DeviceRevoked(logger, _accountId, deviceId);
        return true;
    }

    public async Task<bool> AuthenticateAsync(string deviceId, byte[] tokenSecretSha256)
    {
        var ledger = await EnsureLoadedAsync();
        if (!ledger.VerifyToken(deviceId, tokenSecretSha256))
        {
            return false;
        }

        await NoteSeenAsync(deviceId);
        return true;
    }

    public async Task<DeviceAuthentication> AuthenticateTokenAsync(string deviceId, string tokenSecret)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(tokenSecret);
        var ledger = await EnsureLoadedAsync();
        var secretSha256 = HashSecret(tokenSecret);
        if (ledger.VerifyToken(deviceId, secretSha256))
        {
            await NoteSeenAsync(deviceId);
            return new DeviceAuthentication
            {
                Authenticated = true,
                Readmitted = ledger.FindLiveDevice(deviceId)!.ReadmittedAt is not null,
                HistoryLossGeneration = _journal!.HistoryLossGeneration,
            };
        }

        return await TryReadmitAsync(ledger, deviceId, tokenSecret, secretSha256);
    }

    /// <summary>
    /// Re-admission (docs/adr/0008-device-readmission.md): a device the account does not know, with a token whose tag
    /// verifies under a configured key, while re-admission is enabled, into a missing account (recreated as recovered,
    /// with the token's incarnation) or a recovered one of the same incarnation; never a revoked device. A refusal is
    /// today's 401, counted and logged (never the token) so SREs see devices knocking.
    /// </summary>
    private async Task<DeviceAuthentication> TryReadmitAsync(AccountLedger ledger, string deviceId, string tokenSecret, byte[] secretSha256)
    {
        if (!SignedTokenSecret.TryRead(tokenSecret, out var parts))
        {
            return DeviceAuthentication.Refused; // a plain random secret (or garbage): nothing could ever readmit it
        }

        var verdict = ledger.JudgeReadmission(deviceId, parts!.Incarnation);
        if (verdict == ReadmissionVerdict.KnownDevice)
        {
            return DeviceAuthentication.Refused; // a wrong token for a live device: the ordinary 401
        }

        // The tag first: a forged or foreign token is not a device knocking, whatever the settings.
        var refusal = !tokenKeys.Verify(parts, _accountId, deviceId) ? "tag-not-verified"
            : !tokenKeys.ReadmissionEnabled ? "disabled"
            : verdict switch
            {
                ReadmissionVerdict.Revoked => "revoked",
                ReadmissionVerdict.NotRecovered => "account-not-recovered",
                ReadmissionVerdict.OtherIncarnation => "other-incarnation",
                _ => null,
            };
        if (refusal is not null)
        {
            GrainTelemetry.Readmissions.Add(1, new KeyValuePair<string, object?>("outcome", refusal));
            LogRefusal(deviceId, refusal);
            return DeviceAuthentication.Refused;
        }

        var now = timeProvider.GetUtcNow();
        var record = new DeviceRecord
        {
            DeviceId = deviceId,
            Name = "readmitted",
            Platform = "",
            CreatedAt = now,
            TokenSha256 = secretSha256,
            ReadmittedAt = now,
        };
        var recreate = verdict == ReadmissionVerdict.RecreateAccount;
        await CommitAsync(recreate
            ? new AccountChange { CreatedAt = now, RecoveredAt = now, Incarnation = parts.Incarnation, DevicesAdded = [record] }
            : new AccountChange { DevicesAdded = [record] });
        GrainTelemetry.Readmissions.Add(1, new KeyValuePair<string, object?>("outcome", recreate ? "admitted-account-recreated" : "admitted"));
        Log.DeviceReadmitted(logger, _accountId, deviceId, recreate);
        await NoteSeenAsync(deviceId);
        return new DeviceAuthentication { Authenticated = true, Readmitted = true, HistoryLossGeneration = _journal!.HistoryLossGeneration };
    }

    private void LogRefusal(string deviceId, string refusal)
    {
        if (_refusalLog.TryPass(timeProvider.GetUtcNow(), out var heldBack))
        {
            Log.ReadmissionRefused(logger, _accountId, deviceId, refusal, heldBack);
        }
    }

    private async Task NoteSeenAsync(string deviceId)
    {
        var now = timeProvider.GetUtcNow();
        _unflushedSeen[deviceId] = now;
        if (now - _lastSeenFlush >= SeenFlushInterval)
        {
            await FlushSeenAsync();
        }
    }

    public async Task NoteCollectionAsync(string collection)
    {
        var ledger = await EnsureLoadedAsync();
        if (!ledger.HasCollection(collection))
        {
            await CommitAsync(new AccountChange { CollectionsNoted = [collection] });
        }
    }

    public async Task<IReadOnlyList<string>> ListCollectionsAsync() => [.. (await EnsureLoadedAsync()).Collections];

    public async Task<AccountRestoreResult> RestoreFromBackupAsync(DateTimeOffset? to)
    {
        if (backups.Reader is not { } reader)
        {
            return new AccountRestoreResult { Status = RestoreStatus.BackupsOff, Detail = "Backup:ConnectionString is not set on the silos." };
        }

        // The collections the backup holds for this account, whether or not the account noted them before it was lost.
        var prefix = JournalStreams.ForCollection(_accountId, "");
        var backedUp = (await reader.Store.ListStreamsAsync(prefix)).Select(s => s.StreamKey[prefix.Length..]).ToList();
        AccountLedger? backup;
        try
        {
            backup = await reader.ReadAsync(JournalStreams.ForAccount(_accountId), to) is { } image ? BackupReplay.Account(image) : null;
        }
        catch (InvalidDataException ex)
        {
            Log.RestoreDamaged(logger, ex, _accountId);
            return new AccountRestoreResult { Status = RestoreStatus.Damaged, Detail = ex.Message };
        }

        var ledger = await EnsureLoadedAsync();
        var existed = ledger.Exists;
        var change = ledger.PlanMerge(backup ?? new AccountLedger(), backedUp, timeProvider.GetUtcNow());
        if (change is not null)
        {
            await CommitAsync(change);
            foreach (var deviceId in change.DevicesRevoked ?? [])
            {
                events.DeviceRevoked(_accountId, deviceId); // a revocation the live account had lost: close its sockets too
            }
        }

        Log.AccountRestored(logger, _accountId, !existed && ledger.Exists, change?.DevicesAdded?.Count ?? 0, change?.DevicesRevoked?.Count ?? 0);
        return new AccountRestoreResult
        {
            Status = backup is null && backedUp.Count == 0 ? RestoreStatus.NotInBackup : RestoreStatus.Restored,
            Collections = [.. ledger.Collections],
            Recreated = !existed && ledger.Exists,
            DevicesAdded = change?.DevicesAdded?.Count ?? 0,
            RevocationsAdded = change?.DevicesRevoked?.Count ?? 0,
        };
    }

    /// <summary>The account's incarnation; for an account that has none yet (new, or created before this build), one chosen now and set on <paramref name="change"/>.</summary>
    private static byte[] EnsureIncarnation(AccountLedger ledger, AccountChange change) =>
        ledger.Incarnation ?? (change.Incarnation ??= RandomNumberGenerator.GetBytes(SignedTokenSecret.IncarnationBytes));

    private (DeviceRecord Record, DeviceCredential Credential) NewDevice(string name, string platform, byte[] incarnation)
    {
        var deviceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secret = tokenKeys.NewSecret(_accountId, deviceId, incarnation);
        return (NewRecord(deviceId, secret, name, platform), new DeviceCredential { DeviceId = deviceId, Token = DeviceToken.Format(_accountId, deviceId, secret) });
    }

    private DeviceRecord NewRecord(string deviceId, string secret, string name, string platform) => new()
    {
        DeviceId = deviceId,
        Name = name,
        Platform = platform,
        CreatedAt = timeProvider.GetUtcNow(),
        TokenSha256 = HashSecret(secret),
    };

    /// <summary>SHA-256 of the secret's UTF-8 text. A fast hash is right here: the secret has 256 random bits.</summary>
    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private async Task FlushSeenAsync()
    {
        if (_unflushedSeen.Count == 0 || _ledger is null || !_journal!.IsOpen)
        {
            return;
        }

        var seen = new Dictionary<string, DateTimeOffset>(_unflushedSeen, StringComparer.Ordinal);
        await CommitAsync(new AccountChange { DevicesSeen = seen });
        _unflushedSeen.Clear();
        _lastSeenFlush = timeProvider.GetUtcNow();
    }

    private async Task CommitAsync(AccountChange change)
    {
        var ledger = _ledger ?? throw new InvalidOperationException("Account state is not loaded.");
        if (ledger.Exists || change.CreatedAt is not null)
        {
            EnsureIncarnation(ledger, change); // an account from before incarnations gets one at its next write
        }

        try
        {
            await _journal!.AppendAsync(AccountLedger.EncodeChange(change));
            _assumingNew = false; // entry 1 was acknowledged: the account was new (CreatingAsync)
        }
        catch (JournalFencedException ex) when (!_assumingNew)
        {
            // Another activation of this account wrote first. Nothing of ours was acknowledged; the session has
            // dropped the stream, so the next call reloads. Let the caller retry (a 503 to the device).
            throw new StorageUnavailableException("The account is moving between silos; retry.", ex);
        }

        ledger.Apply(change);
        GrainTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("kind", "account"));
        await _journal.SnapshotIfDueAsync(ledger.EncodeSnapshot);
    }

    /// <summary>
    /// Runs a call that usually creates the account (sign-up, provisioning). When this activation holds no state yet, the
    /// call first runs on an empty ledger over a stream taken to be new, without reading the replicas: its commit is then
    /// entry 1, whose conditional insert is fenced if the account exists after all, and only then is the account read and
    /// the call run again on what it holds. A new account so costs one transaction per replica, instead of a read of
    /// every replica (a partition query, a snapshot listing, a marker read) before it; on the storage emulator the
    /// partition query scans the whole table, and was most of what provisioning cost there (docs/benchmarks.md,
    /// "Provisioning without a read first").
    /// </summary>
    private async Task<T> CreatingAsync<T>(Func<AccountLedger, Task<T>> call)
    {
        if (_ledger is null)
        {
            await _journal!.OpenNewAsync();
            _ledger = new AccountLedger();
            _assumingNew = true;
            try
            {
                var answer = await call(_ledger);
                if (!_assumingNew)
                {
                    return answer;
                }
            }
            catch (JournalFencedException) when (_assumingNew)
            {
                // The account exists: read it below. Nothing of the fenced append counts (a copy of its entry on a
                // replica that lagged is taken back), and its device tokens were never handed out.
            }
            finally
            {
                if (_assumingNew)
                {
                    // Nothing proved the assumption (fenced, failed, or the call wrote nothing): forget the empty ledger
                    // so that this call, below, and every later one read the account first.
                    _assumingNew = false;
                    _ledger = null;
                    _journal.Close();
                }
            }
        }

        return await call(await EnsureLoadedAsync());
    }

    private async Task<AccountLedger> EnsureLoadedAsync()
    {
        if (_ledger is not null && _journal!.IsOpen)
        {
            return _ledger;
        }

        // Whatever happens below, state from before the reload must never pair with the reopened stream.
        _ledger = null;
        var stream = await _journal!.OpenAsync();
        var ledger = stream.Snapshot is { } snapshot ? AccountLedger.DecodeSnapshot(snapshot.Payload.Span) : new AccountLedger();
        foreach (var entry in stream.Entries)
        {
            ledger.Apply(AccountLedger.DecodeChange(entry.Payload.Span));
        }

        _ledger = ledger;
        return ledger;
    }
}
