using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Tests.Admin;

public sealed class AdminKeyCheckTests
{
    [Fact]
    public void Without_a_configured_key_the_routes_do_not_exist()
    {
        var check = new AdminKeyCheck(Options.Create(new AdminOptions()));
        Assert.Equal(ProblemCodes.NotFound, check.Check(Request("anything"))!.Problem.Code);
    }

    [Fact]
    public void A_missing_or_wrong_key_is_forbidden()
    {
        var check = new AdminKeyCheck(Options.Create(new AdminOptions { AdminKey = "s3cret" }));
        Assert.Equal(ProblemCodes.Forbidden, check.Check(Request(null))!.Problem.Code);
        Assert.Equal(ProblemCodes.Forbidden, check.Check(Request(""))!.Problem.Code);
        Assert.Equal(ProblemCodes.Forbidden, check.Check(Request("s3cre"))!.Problem.Code);
        Assert.Equal(ProblemCodes.Forbidden, check.Check(Request("S3cret"))!.Problem.Code);
        Assert.Equal(403, check.Check(Request("s3cret "))!.Problem.Status);
    }

    [Fact]
    public void The_right_key_passes() =>
        Assert.Null(new AdminKeyCheck(Options.Create(new AdminOptions { AdminKey = "s3cret" })).Check(Request("s3cret")));

    private static HttpRequest Request(string? key)
    {
        var context = new DefaultHttpContext();
        if (key is not null)
        {
            context.Request.Headers[AdminKeyCheck.HeaderName] = key;
        }

        return context.Request;
    }
}
