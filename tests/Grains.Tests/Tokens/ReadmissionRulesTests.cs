using System.Security.Cryptography;
using DeviceSync.Grains.Accounts;

namespace DeviceSync.Grains.Tests.Tokens;

/// <summary>Which account may take back a device it does not know (docs/adr/0008-device-readmission.md, "Decision").</summary>
public sealed class ReadmissionRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Incarnation = RandomNumberGenerator.GetBytes(16);

    [Fact]
    public void A_missing_account_is_recreated_and_a_recovered_one_of_the_same_incarnation_takes_more_devices()
    {
        var ledger = new AccountLedger();
        Assert.Equal(ReadmissionVerdict.RecreateAccount, ledger.JudgeReadmission("phone", Incarnation));

        ledger.Apply(AccountLedger.DecodeChange(AccountLedger.EncodeChange(Recreated("phone"))));

        Assert.Equal(T0, ledger.RecoveredAt);
        Assert.Null(ledger.Password);
        Assert.Equal(Incarnation, ledger.Incarnation);
        Assert.Equal(ReadmissionVerdict.JoinRecoveredAccount, ledger.JudgeReadmission("laptop", Incarnation));
        Assert.Equal(ReadmissionVerdict.KnownDevice, ledger.JudgeReadmission("phone", Incarnation));
    }

    [Fact]
    public void A_revoked_device_another_incarnation_and_an_account_that_was_not_recovered_are_refused()
    {
        var recovered = new AccountLedger();
        recovered.Apply(Recreated("phone"));
        recovered.Apply(new AccountChange { DevicesRevoked = ["phone"], RevokedAt = T0.AddHours(1) });

        Assert.Equal(ReadmissionVerdict.Revoked, recovered.JudgeReadmission("phone", Incarnation));
        Assert.Equal(ReadmissionVerdict.OtherIncarnation, recovered.JudgeReadmission("laptop", RandomNumberGenerator.GetBytes(16)));

        // A sign-up that took the id after the loss: even the right incarnation does not let old devices in.
        var signedUp = new AccountLedger();
        signedUp.Apply(new AccountChange { CreatedAt = T0, Incarnation = Incarnation });
        Assert.Equal(ReadmissionVerdict.NotRecovered, signedUp.JudgeReadmission("laptop", Incarnation));
    }

    [Fact]
    public void Incarnation_recovery_and_readmission_survive_a_snapshot()
    {
        var ledger = new AccountLedger();
        ledger.Apply(Recreated("phone"));

        var decoded = AccountLedger.DecodeSnapshot(ledger.EncodeSnapshot());

        Assert.Equal(Incarnation, decoded.Incarnation);
        Assert.Equal(T0, decoded.RecoveredAt);
        Assert.Equal(T0, decoded.FindLiveDevice("phone")!.ReadmittedAt);
    }

    [Fact]
    public void The_incarnation_is_set_once()
    {
        var ledger = new AccountLedger();
        ledger.Apply(new AccountChange { CreatedAt = T0, Incarnation = Incarnation });
        ledger.Apply(new AccountChange { Incarnation = RandomNumberGenerator.GetBytes(16) });

        Assert.Equal(Incarnation, ledger.Incarnation);
    }

    private static AccountChange Recreated(string deviceId) => new()
    {
        CreatedAt = T0,
        RecoveredAt = T0,
        Incarnation = Incarnation,
        DevicesAdded = [new DeviceRecord { DeviceId = deviceId, CreatedAt = T0, ReadmittedAt = T0, TokenSha256 = RandomNumberGenerator.GetBytes(32) }],
    };
}
