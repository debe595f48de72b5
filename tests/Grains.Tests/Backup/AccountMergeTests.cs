using DeviceSync.Contracts.Accounts;
using DeviceSync.Grains.Accounts;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>Restoring an account merges the backup in and never rolls anything back (docs/adr/0005-backups-and-restore.md, point 6).</summary>
public sealed class AccountMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_lost_account_is_recreated_with_its_password_devices_revocations_and_collections()
    {
        var backup = Backup();

        var change = new AccountLedger().PlanMerge(backup, ["tasks"], T0.AddDays(9));
        var live = new AccountLedger();
        live.Apply(AccountLedger.DecodeChange(AccountLedger.EncodeChange(change!)));

        Assert.True(live.Exists);
        Assert.Equal("PBKDF2-SHA256", live.Password!.Algorithm);
        Assert.Equal(["phone"], live.LiveDevices.Select(d => d.DeviceId));
        Assert.Null(live.FindLiveDevice("old-tablet"));
        Assert.Equal(["notes", "tasks"], live.Collections);
    }

    [Fact]
    public void A_live_account_keeps_devices_registered_since_and_revocations_are_never_undone()
    {
        var live = new AccountLedger();
        live.Apply(new AccountChange { CreatedAt = T0, DevicesAdded = [Device("phone"), Device("old-tablet"), Device("laptop")] });
        live.Apply(new AccountChange { DevicesRevoked = ["laptop"], RevokedAt = T0.AddDays(5) });

        var change = live.PlanMerge(Backup(), [], T0.AddDays(9));
        live.Apply(change!);

        // The backup's revocation of old-tablet is added; laptop (revoked since the backup point) stays revoked.
        Assert.Equal(["phone"], live.LiveDevices.Select(d => d.DeviceId));
        Assert.Equal(["old-tablet"], change!.DevicesRevoked);
        Assert.Null(change.DevicesAdded);
        Assert.Null(change.CreatedAt);
        Assert.Null(live.PlanMerge(Backup(), [], T0.AddDays(10)));
    }

    /// <summary>The backup: created at T0 with a password, phone live, old-tablet revoked, collection notes.</summary>
    private static AccountLedger Backup()
    {
        var ledger = new AccountLedger();
        ledger.Apply(new AccountChange
        {
            CreatedAt = T0,
            Password = new PasswordHash { Algorithm = "PBKDF2-SHA256", Iterations = 1, Salt = [1], Hash = [2] },
            DevicesAdded = [Device("phone"), Device("old-tablet")],
            CollectionsNoted = ["notes"],
        });
        ledger.Apply(new AccountChange { DevicesRevoked = ["old-tablet"], RevokedAt = T0.AddDays(1) });
        return ledger;
    }

    private static DeviceRecord Device(string id) => new() { DeviceId = id, Name = id, Platform = "test", CreatedAt = T0, TokenSha256 = [1, 2, 3] };
}
