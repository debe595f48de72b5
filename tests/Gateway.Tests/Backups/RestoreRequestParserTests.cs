using DeviceSync.Gateway.Backups;
using DeviceSync.Gateway.Tests.Support;

namespace DeviceSync.Gateway.Tests.Backups;

public sealed class RestoreRequestParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"to":"latest"}""", null, null)]
    [InlineData("""{"to":"2026-11-26T07:30:00Z","collection":"notes"}""", "2026-11-26T07:30:00+00:00", "notes")]
    [InlineData("""{"to":"2026-11-26T09:30:00.25+02:00"}""", "2026-11-26T07:30:00.25+00:00", null)]
    [InlineData("""{"to":"latest","collection":null}""", null, null)]
    public void Parses_the_point_and_the_collection(string body, string? to, string? collection)
    {
        var result = RestoreRequestParser.Parse(Bodies.Utf8(body), Now);

        Assert.True(result.IsValid, result.Problem?.Detail);
        Assert.Equal(to is null ? null : DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture), result.Value!.To);
        Assert.Equal(collection, result.Value.Collection);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"to":7}""")]
    [InlineData("""{"to":"yesterday"}""")]
    [InlineData("""{"to":"2026-11-26T07:30:00"}""")] // no offset: a guess at the zone
    [InlineData("""{"to":"2026-11-26T08:30:00Z"}""")] // in the future
    [InlineData("""{"to":"latest","collection":"a/b"}""")]
    [InlineData("""{"to":"latest","collection":5}""")]
    [InlineData("""[]""")]
    public void Refuses_anything_else_with_invalid_request(string body)
    {
        var result = RestoreRequestParser.Parse(Bodies.Utf8(body), Now);

        Assert.False(result.IsValid);
        Assert.Equal("invalid-request", result.Problem!.Code);
    }
}
