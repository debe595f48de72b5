using System.Security.Cryptography;
using System.Text.Json;
using DeviceSync.Contracts.Accounts;

namespace DeviceSync.Grains.Accounts;

/// <summary>
/// The materialised state of one account, rebuilt from its snapshot and journal. Plain class: the grain decides
/// when to persist; this only knows how state follows from changes.
/// </summary>
public sealed class AccountLedger
{
    private readonly Dictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _collections = new(StringComparer.Ordinal);

    public bool Exists => CreatedAt is not null;

    public DateTimeOffset? CreatedAt { get; private set; }

    public PasswordHash? Password { get; private set; }

    /// <summary>16 random bytes naming this incarnation of the account; null for an account not written since before it existed.</summary>
    public byte[]? Incarnation { get; private set; }

    /// <summary>When a readmitted device recreated this account after storage lost it; null for an account created normally.</summary>
    public DateTimeOffset? RecoveredAt { get; private set; }

    public IEnumerable<DeviceRecord> LiveDevices => _devices.Values.Where(d => d.RevokedAt is null);

    public IReadOnlyCollection<string> Collections => _collections;

    public DeviceRecord? FindLiveDevice(string deviceId) =>
        _devices.TryGetValue(deviceId, out var device) && device.RevokedAt is null ? device : null;

    /// <summary>A device of this account, live or revoked.</summary>
    public DeviceRecord? FindDevice(string deviceId) => _devices.GetValueOrDefault(deviceId);

    public bool HasCollection(string collection) => _collections.Contains(collection);

    /// <summary>
    /// The change that adds to this account what <paramref name="backup"/> has and it lacks: the account itself (when it was
    /// lost), devices, revocations and collection names. Nothing is taken away: rolling an account back would un-revoke
    /// devices and lock out devices registered since, which then could not hand their data back. Null when nothing is missing.
    /// </summary>
    public AccountChange? PlanMerge(AccountLedger backup, IEnumerable<string> moreCollections, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(backup);
        var change = new AccountChange();
        var any = false;
        if (!Exists && backup.CreatedAt is { } created)
        {
            change.CreatedAt = created;
            change.Password = backup.Password;
            change.Incarnation = backup.Incarnation; // tokens tagged before the loss name it
            change.RecoveredAt = backup.RecoveredAt;
            any = true;
        }

        var added = backup._devices.Values.Where(d => !_devices.ContainsKey(d.DeviceId)).ToList();
        if (added.Count > 0)
        {
            change.DevicesAdded = added;
            any = true;
        }

        var revoked = backup._devices.Values
            .Where(d => d.RevokedAt is not null && _devices.TryGetValue(d.DeviceId, out var live) && live.RevokedAt is null)
            .Select(d => d.DeviceId)
            .ToList();
        if (revoked.Count > 0)
        {
            change.DevicesRevoked = revoked;
            change.RevokedAt = now;
            any = true;
        }

        var collections = backup._collections.Concat(moreCollections).Where(c => !_collections.Contains(c)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (collections.Count > 0)
        {
            change.CollectionsNoted = collections;
            any = true;
        }

        return any ? change : null;
    }

    /// <summary>
    /// Whether a device this account does not know (or knows only as revoked) may be readmitted with a token whose tag
    /// verified and which names <paramref name="incarnation"/> (docs/adr/0008-device-readmission.md, "Decision").
    /// </summary>
    public ReadmissionVerdict JudgeReadmission(string deviceId, byte[] incarnation)
    {
        ArgumentNullException.ThrowIfNull(incarnation);
        return FindDevice(deviceId) switch
        {
            { RevokedAt: not null } => ReadmissionVerdict.Revoked,
            not null => ReadmissionVerdict.KnownDevice,
            null when !Exists => ReadmissionVerdict.RecreateAccount,
            null when RecoveredAt is null => ReadmissionVerdict.NotRecovered,
            null when Incarnation is null || !CryptographicOperations.FixedTimeEquals(Incarnation, incarnation) => ReadmissionVerdict.OtherIncarnation,
            null => ReadmissionVerdict.JoinRecoveredAccount,
        };
    }

    public void Apply(AccountChange change)
    {
        if (change.CreatedAt is { } created && CreatedAt is null)
        {
            CreatedAt = created;
            Password = change.Password;
            RecoveredAt = change.RecoveredAt;
        }

        if (change.PasswordSet is { } password && Password is null)
        {
            Password = password;
        }

        if (change.Incarnation is { Length: > 0 } incarnation && Incarnation is null)
        {
            Incarnation = incarnation;
        }

        foreach (var device in change.DevicesAdded ?? [])
        {
            _devices[device.DeviceId] = device;
        }

        foreach (var deviceId in change.DevicesRevoked ?? [])
        {
            if (_devices.TryGetValue(deviceId, out var device))
            {
                device.RevokedAt = change.RevokedAt ?? DateTimeOffset.UnixEpoch;
            }
        }

        foreach (var collection in change.CollectionsNoted ?? [])
        {
            _collections.Add(collection);
        }

        foreach (var (deviceId, seenAt) in change.DevicesSeen ?? [])
        {
            if (_devices.TryGetValue(deviceId, out var device) && (device.LastSeenAt is null || device.LastSeenAt < seenAt))
            {
                device.LastSeenAt = seenAt;
            }
        }
    }

    /// <summary>Constant-time check of a token secret's hash against a live device.</summary>
    public bool VerifyToken(string deviceId, byte[] tokenSecretSha256)
    {
        var device = FindLiveDevice(deviceId);
        return device is not null && CryptographicOperations.FixedTimeEquals(device.TokenSha256, tokenSecretSha256);
    }

    public static byte[] EncodeChange(AccountChange change) =>
        JsonSerializer.SerializeToUtf8Bytes(change, AccountJson.Default.AccountChange);

    public static AccountChange DecodeChange(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, AccountJson.Default.AccountChange)
        ?? throw new InvalidDataException("An account journal entry was empty.");

    public byte[] EncodeSnapshot() => JsonSerializer.SerializeToUtf8Bytes(
        new AccountSnapshot
        {
            CreatedAt = CreatedAt,
            Password = Password,
            Incarnation = Incarnation,
            RecoveredAt = RecoveredAt,
            Devices = [.. _devices.Values],
            Collections = [.. _collections],
        },
        AccountJson.Default.AccountSnapshot);

    public static AccountLedger DecodeSnapshot(ReadOnlySpan<byte> utf8Json)
    {
        var snapshot = JsonSerializer.Deserialize(utf8Json, AccountJson.Default.AccountSnapshot)
            ?? throw new InvalidDataException("An account snapshot was empty.");
        if (snapshot.SchemaVersion > AccountSnapshot.CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Account snapshot schema {snapshot.SchemaVersion} is newer than this build understands.");
        }

        var ledger = new AccountLedger
        {
            CreatedAt = snapshot.CreatedAt,
            Password = snapshot.Password,
            Incarnation = snapshot.Incarnation is { Length: > 0 } incarnation ? incarnation : null,
            RecoveredAt = snapshot.RecoveredAt,
        };
        foreach (var device in snapshot.Devices)
        {
            ledger._devices[device.DeviceId] = device;
        }

        ledger._collections.UnionWith(snapshot.Collections);
        return ledger;
    }
}
