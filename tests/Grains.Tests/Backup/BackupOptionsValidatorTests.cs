using DeviceSync.Grains.Backup;

namespace DeviceSync.Grains.Tests.Backup;

/// <summary>The catch-up's settings stop a silo at start when they could not work.</summary>
public sealed class BackupOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(new BackupOptionsValidator().Validate(null, new BackupOptions()).Succeeded);

    [Theory]
    [InlineData(0, 30, "CatchUpReadsPerSecond")]
    [InlineData(-1, 30, "CatchUpReadsPerSecond")]
    [InlineData(100, 0, "CatchUpGrace")] // shorter than a copy pass: every stream being copied would look behind
    [InlineData(100, 601, "CatchUpGrace")]
    public void A_catch_up_setting_that_could_not_work_is_refused(double readsPerSecond, int graceSeconds, string named)
    {
        var options = new BackupOptions { CatchUpReadsPerSecond = readsPerSecond, CatchUpGrace = TimeSpan.FromSeconds(graceSeconds) };

        var result = new BackupOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Backup:" + named, result.FailureMessage, StringComparison.Ordinal);
    }
}
