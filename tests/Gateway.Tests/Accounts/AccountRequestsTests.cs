using System.Text.Json.Nodes;
using DeviceSync.Gateway.Accounts;
using DeviceSync.Gateway.Tests.Support;

namespace DeviceSync.Gateway.Tests.Accounts;

public sealed class AccountRequestsTests
{
    [Fact]
    public void Parses_a_new_account()
    {
        var result = AccountRequests.ParseNewAccount(Bodies.Utf8(new JsonObject { ["accountId"] = "alice", ["password"] = "correct horse battery" }));
        Assert.True(result.IsValid);
        Assert.Equal("alice", result.Value.AccountId);
        Assert.Equal("correct horse battery", result.Value.Password);
        Assert.DoesNotContain("horse", result.Value.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void Passwords_are_12_to_256_characters(int length, bool valid) =>
        Assert.Equal(valid, AccountRequests.ParseNewAccount(Bodies.Utf8(new JsonObject { ["accountId"] = "alice", ["password"] = new string('p', length) })).IsValid);

    [Theory]
    [InlineData("{\"accountId\": \"ab\", \"password\": \"123456789012\"}")]
    [InlineData("{\"accountId\": \"Alice\", \"password\": \"123456789012\"}")]
    [InlineData("{\"accountId\": 5, \"password\": \"123456789012\"}")]
    [InlineData("{\"password\": \"123456789012\"}")]
    [InlineData("{\"accountId\": \"alice\"}")]
    [InlineData("{\"accountId\": \"alice\", \"password\": 123456789012}")]
    [InlineData("{\"accountId\": \"alice\", \"password\": null}")]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("{\"accountId\": \"alice\", \"password\": \"123456789012\"")]
    public void Rejects_bad_accounts(string body) => Assert.False(AccountRequests.ParseNewAccount(Bodies.Utf8(body)).IsValid);

    [Fact]
    public void Parses_a_device_registration()
    {
        var result = AccountRequests.ParseDeviceRegistration(Bodies.Utf8("{\"name\": \"Alice's phone\", \"platform\": \"android\", \"extra\": 1}"));
        Assert.True(result.IsValid);
        Assert.Equal("Alice's phone", result.Value.Name);
        Assert.Equal("android", result.Value.Platform);
    }

    [Theory]
    [InlineData(0, 5, false)]
    [InlineData(1, 5, true)]
    [InlineData(128, 5, true)]
    [InlineData(129, 5, false)]
    [InlineData(5, 0, false)]
    [InlineData(5, 1, true)]
    [InlineData(5, 64, true)]
    [InlineData(5, 65, false)]
    public void Device_names_and_platforms_have_length_limits(int name, int platform, bool valid) =>
        Assert.Equal(valid, AccountRequests.ParseDeviceRegistration(Bodies.Utf8(new JsonObject { ["name"] = new string('n', name), ["platform"] = new string('p', platform) })).IsValid);

    [Theory]
    [InlineData("{\"name\": 1, \"platform\": \"ios\"}")]
    [InlineData("{\"name\": \"x\", \"platform\": null}")]
    [InlineData("{\"name\": \"x\"}")]
    [InlineData("{\"platform\": \"ios\"}")]
    [InlineData("{\"name\": \"\\ud800\", \"platform\": \"ios\"}")]
    [InlineData("null")]
    public void Rejects_bad_registrations(string body) => Assert.False(AccountRequests.ParseDeviceRegistration(Bodies.Utf8(body)).IsValid);
}
