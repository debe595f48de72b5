using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Tests.Validation;

public sealed class NamesTests
{
    [Theory]
    [InlineData("abc", true)]
    [InlineData("a.b", true)]
    [InlineData("a_b", true)]
    [InlineData("a-b", true)]
    [InlineData("0ab", true)]
    [InlineData("load-000001", true)]
    [InlineData("ab", false)]
    [InlineData("a", false)]
    [InlineData("", false)]
    [InlineData("Abc", false)]
    [InlineData(".ab", false)]
    [InlineData("-ab", false)]
    [InlineData("_ab", false)]
    [InlineData("ab/c", false)]
    [InlineData("ab c", false)]
    [InlineData("abc\n", false)]
    [InlineData("abç", false)]
    [InlineData(null, false)]
    public void Checks_account_ids(string? accountId, bool valid) => Assert.Equal(valid, Names.IsAccountId(accountId));

    [Fact]
    public void Account_ids_are_3_to_64_characters()
    {
        Assert.False(Names.IsAccountId(new string('a', 2)));
        Assert.True(Names.IsAccountId(new string('a', 3)));
        Assert.True(Names.IsAccountId(new string('a', 64)));
        Assert.False(Names.IsAccountId(new string('a', 65)));
    }

    [Fact]
    public void Collection_names_are_1_to_64_characters()
    {
        Assert.False(Names.IsCollectionName(""));
        Assert.True(Names.IsCollectionName("a"));
        Assert.True(Names.IsCollectionName(new string('a', 64)));
        Assert.False(Names.IsCollectionName(new string('a', 65)));
    }

    [Fact]
    public void Item_ids_are_1_to_128_characters()
    {
        Assert.False(Names.IsItemId(""));
        Assert.True(Names.IsItemId("~"));
        Assert.True(Names.IsItemId(new string('Z', 128)));
        Assert.False(Names.IsItemId(new string('Z', 129)));
    }

    [Fact]
    public void Lengths_count_characters_not_utf16_units()
    {
        var emoji = string.Concat(Enumerable.Repeat("😀", 12));
        Assert.Equal(24, emoji.Length);
        Assert.True(Names.HasLength(emoji, 12, 12));
        Assert.False(Names.HasLength(emoji[..^2], 12, 256));
    }
}
