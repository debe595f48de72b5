using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Tests.Validation;

public sealed class CursorsTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("7", 7L)]
    [InlineData("1099511627776", 1099511627776L)]
    [InlineData("9007199254740991", 9007199254740991L)]
    public void Parses_canonical_decimals(string text, long expected)
    {
        Assert.True(Cursors.TryParse(text, out var value));
        Assert.Equal(expected, value);
        Assert.Equal(text, Cursors.Format(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("9007199254740992")]
    [InlineData("10000000000000000")]
    [InlineData("007")]
    [InlineData("-0")]
    [InlineData("+5")]
    [InlineData("5 ")]
    [InlineData("\t5")]
    [InlineData("5_000")]
    [InlineData("٣")]
    public void Rejects_everything_else(string? text) => Assert.False(Cursors.TryParse(text, out _));
}
