using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>Gateways with other settings than the shared one: no admin key, rate limits on.</summary>
public sealed class PipelineSettingsTests
{
    [Fact]
    public async Task Without_an_admin_key_the_admin_routes_are_404()
    {
        await using var gateway = await PipelineGateway.StartAsync(new Dictionary<string, string?>());
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/v1/admin/provision"), (HttpMethod.Get, "/v1/admin/cluster"), (HttpMethod.Get, "/v1/admin/replicas") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? new StringContent("{\"accounts\": []}") : null };
            request.Headers.Add("X-Admin-Key", "anything");
            using var response = await gateway.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("not-found", json.RootElement.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Over_the_device_rate_a_request_gets_429_with_retry_after()
    {
        await using var gateway = await PipelineGateway.StartAsync(new Dictionary<string, string?> { ["RateLimits:PerDevicePerSecond"] = "3" });
        const string password = "correct horse battery staple";
        using (var created = await gateway.Http.PostAsync("/v1/accounts", new StringContent("{\"accountId\": \"rate-1\", \"password\": \"" + password + "\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var register = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = new StringContent("{\"name\": \"n\", \"platform\": \"p\"}") };
        register.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("rate-1:" + password)));
        using var registered = await gateway.Http.SendAsync(register);
        var token = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 50 && limited is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/devices");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await gateway.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(limited.Headers.RetryAfter?.Delta);
            using var json = JsonDocument.Parse(await limited.Content.ReadAsStringAsync());
            Assert.Equal("rate-limited", json.RootElement.GetProperty("code").GetString());
        }

        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3);
    }
}
