using DeviceSync.Ops;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>The rollout command line parses what its README shows and refuses what it does not know.</summary>
public sealed class RolloutCommandLineTests
{
    [Theory]
    [InlineData("rollout", "--admin-key", "k", "--gateway", "http://127.0.0.1:6000", "--roll", "all")]
    [InlineData("rollout", "--admin-key", "k", "--roll", "gateways", "--gateway-build", "/tmp/gw")]
    [InlineData("rollout", "--admin-key", "k")]
    public void Parses(params string[] args) => Assert.Empty(OpsCommandLine.Build().Parse(args).Errors);

    [Theory]
    [InlineData("rollout", "--admin-key", "k", "--roll", "everything")]
    [InlineData("rollout", "--admin-key", "k", "--gateway", "not a url")]
    [InlineData("rollout", "--admin-key", "k", "--gateway", "ftp://127.0.0.1/")]
    public void Refuses(params string[] args) => Assert.NotEmpty(OpsCommandLine.Build().Parse(args).Errors);
}
