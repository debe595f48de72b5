using System.ComponentModel.DataAnnotations;
using DeviceSync.Grains.Sync;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class SyncPolicyTests
{
    [Fact]
    public void Defaults_keep_tombstones_90_days_and_conflicts_30_days()
    {
        var policy = new SyncPolicy();

        Assert.Equal(TimeSpan.FromDays(90), policy.TombstoneRetention);
        Assert.Equal(TimeSpan.FromDays(30), policy.ConflictRetention);
        Assert.Equal("Sync", SyncPolicy.SectionName);
        Assert.True(Validator.TryValidateObject(policy, new ValidationContext(policy), null, validateAllProperties: true));
    }

    [Fact]
    public void A_zero_retention_fails_validation()
    {
        var policy = new SyncPolicy { TombstoneRetention = TimeSpan.Zero };

        Assert.False(Validator.TryValidateObject(policy, new ValidationContext(policy), null, validateAllProperties: true));
    }
}
