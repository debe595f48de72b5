using System.Text;
using DeviceSync.Gateway.Auth;

namespace DeviceSync.Gateway.Tests.Auth;

public sealed class CredentialHeaderTests
{
    [Fact]
    public void Reads_basic_credentials()
    {
        var header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:pass:with:colons é"));
        Assert.True(BasicCredentials.TryParse(header, out var account, out var password));
        Assert.Equal("alice", account);
        Assert.Equal("pass:with:colons é", password);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic")]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Bearer YWxpY2U6cGFzcw==")]
    [InlineData("Basic YWxpY2U=")]
    [InlineData("Basic OnBhc3M=")]
    [InlineData("Basic //79")]
    public void Rejects_malformed_basic_headers(string? header) => Assert.False(BasicCredentials.TryParse(header, out _, out _));

    [Fact]
    public void Reads_bearer_tokens()
    {
        Assert.True(BearerTokens.TryRead("Bearer ds1.alice.d1.secret", out var token));
        Assert.Equal("ds1.alice.d1.secret", token);
        Assert.True(BearerTokens.TryRead("bearer  abc ", out token));
        Assert.Equal("abc", token);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic abc")]
    [InlineData("Token abc")]
    public void Rejects_malformed_bearer_headers(string? header) => Assert.False(BearerTokens.TryRead(header, out _));
}
