using System.Text.Json.Nodes;
using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Tests.Support;

namespace DeviceSync.Gateway.Tests.Admin;

public sealed class ProvisionRequestParserTests
{
    [Fact]
    public void Parses_accounts_and_device_counts()
    {
        var result = ProvisionRequestParser.Parse(Bodies.Utf8("{\"accounts\": [{\"accountId\": \"load-000001\", \"devices\": 2}, {\"accountId\": \"load-000002\", \"devices\": 100}]}"));
        Assert.True(result.IsValid);
        Assert.Equal([new ProvisionAccount("load-000001", 2), new ProvisionAccount("load-000002", 100)], result.Value.Accounts);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("100", true)]
    [InlineData("0", false)]
    [InlineData("101", false)]
    [InlineData("2.5", false)]
    [InlineData("\"2\"", false)]
    [InlineData("null", false)]
    public void Devices_are_1_to_100(string devices, bool valid) =>
        Assert.Equal(valid, ProvisionRequestParser.Parse(Bodies.Utf8("{\"accounts\": [{\"accountId\": \"load-1\", \"devices\": " + devices + "}]}")).IsValid);

    [Fact]
    public void Accepts_1000_accounts_and_rejects_1001()
    {
        static byte[] Body(int n) => Bodies.Utf8(new JsonObject
        {
            ["accounts"] = new JsonArray([.. Enumerable.Range(0, n).Select(i => (JsonNode)new JsonObject { ["accountId"] = $"load-{i:D6}", ["devices"] = 1 })]),
        });

        Assert.Equal(1000, ProvisionRequestParser.Parse(Body(1000)).Value!.Accounts.Count);
        var over = ProvisionRequestParser.Parse(Body(1001));
        Assert.False(over.IsValid);
        Assert.Equal(ProblemCodes.PayloadTooLarge, over.Problem!.Code);
    }

    [Theory]
    [InlineData("{\"accounts\": [{\"accountId\": \"ab\", \"devices\": 1}]}")]
    [InlineData("{\"accounts\": [{\"accountId\": \"Load-1\", \"devices\": 1}]}")]
    [InlineData("{\"accounts\": [{\"devices\": 1}]}")]
    [InlineData("{\"accounts\": [{\"accountId\": \"load-1\", \"devices\": 1}, {\"accountId\": \"load-1\", \"devices\": 2}]}")]
    [InlineData("{\"accounts\": {}}")]
    [InlineData("{\"accounts\": [1]}")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"accounts\": [")]
    public void Rejects_bad_requests(string body)
    {
        var result = ProvisionRequestParser.Parse(Bodies.Utf8(body));
        Assert.False(result.IsValid);
        Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
    }

    [Theory]
    [InlineData(null, true, null)]
    [InlineData("null", true, null)]
    [InlineData("\"AbCdEfGhIjKlMnOpQrStUv\"", true, "AbCdEfGhIjKlMnOpQrStUv")] // 22 characters: 128+ bits
    [InlineData("\"0123456789abcdef0123456789abcdef\"", true, "0123456789abcdef0123456789abcdef")]
    [InlineData("\"AbCdEfGhIjKlMnOpQrStU\"", false, null)] // 21: too short to be a secret
    [InlineData("\"AbCdEfGhIjKlMnOpQrStUv+/\"", false, null)] // not base64url
    [InlineData("\"AbCdEfGhIjKlMnOpQrStUv.x\"", false, null)]
    [InlineData("42", false, null)]
    public void An_optional_provision_id_is_22_to_128_base64url_characters(string? json, bool valid, string? expected)
    {
        var body = "{\"accounts\": [{\"accountId\": \"load-1\", \"devices\": 1}]" + (json is null ? "" : ", \"provisionId\": " + json) + "}";
        var result = ProvisionRequestParser.Parse(Bodies.Utf8(body));
        Assert.Equal(valid, result.IsValid);
        if (valid)
        {
            Assert.Equal(expected, result.Value!.ProvisionId);
        }
        else
        {
            Assert.Equal(ProblemCodes.InvalidRequest, result.Problem!.Code);
        }
    }

    [Fact]
    public void A_128_character_provision_id_is_accepted_and_129_is_not()
    {
        static bool Valid(int length) => ProvisionRequestParser.Parse(Bodies.Utf8(
            "{\"accounts\": [{\"accountId\": \"load-1\", \"devices\": 1}], \"provisionId\": \"" + new string('a', length) + "\"}")).IsValid;

        Assert.True(Valid(128));
        Assert.False(Valid(129));
    }
}
