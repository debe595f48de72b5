using System.Net;
using System.Text.Json;

namespace DeviceSync.Gateway.Tests.Api;

/// <summary>Assertions on problem+json answers.</summary>
public static class ApiProblem
{
    public static async Task AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.Equal("https://devicesync.dev/problems/" + code, root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()));
        Assert.Equal(JsonValueKind.String, root.GetProperty("detail").ValueKind);
    }
}
