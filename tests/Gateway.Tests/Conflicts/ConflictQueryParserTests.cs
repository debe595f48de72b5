using DeviceSync.Gateway.Conflicts;
using Microsoft.AspNetCore.Http;

namespace DeviceSync.Gateway.Tests.Conflicts;

public sealed class ConflictQueryParserTests
{
    [Fact]
    public void Defaults()
    {
        var query = Parse("");
        Assert.True(query.IsValid);
        Assert.Equal(new ConflictQuery(null, null, null, ConflictQueryParser.DefaultLimit), query.Value);
    }

    [Fact]
    public void One_collection_with_a_sequence_cursor() =>
        Assert.Equal(new ConflictQuery("contacts", null, 17, 20), Parse("?collection=contacts&cursor=17&limit=20").Value);

    [Fact]
    public void Account_wide_with_a_collection_and_sequence_cursor() =>
        Assert.Equal(new ConflictQuery(null, "notes", 3, 100), Parse("?cursor=notes:3").Value);

    [Theory]
    [InlineData("?limit=1", true)]
    [InlineData("?limit=500", true)]
    [InlineData("?limit=0", false)]
    [InlineData("?limit=501", false)]
    [InlineData("?limit=-1", false)]
    [InlineData("?limit=abc", false)]
    [InlineData("?limit=", false)]
    [InlineData("?limit=1&limit=2", false)]
    [InlineData("?collection=Contacts", false)]
    [InlineData("?collection=", false)]
    [InlineData("?collection=a&collection=b", false)]
    [InlineData("?collection=contacts&cursor=notes:3", false)]
    [InlineData("?collection=contacts&cursor=01", false)]
    [InlineData("?collection=contacts&cursor=-1", false)]
    [InlineData("?cursor=17", false)]
    [InlineData("?cursor=:17", false)]
    [InlineData("?cursor=notes:", false)]
    [InlineData("?cursor=Notes:1", false)]
    [InlineData("?cursor=notes:x", false)]
    [InlineData("?cursor=", false)]
    [InlineData("?other=1", true)]
    public void Checks_every_parameter(string query, bool valid) => Assert.Equal(valid, Parse(query).IsValid);

    private static DeviceSync.Gateway.Validation.Validated<ConflictQuery> Parse(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        return ConflictQueryParser.Parse(context.Request.Query);
    }
}
