using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Tests.Api;
using DeviceSync.Testing;
using Microsoft.AspNetCore.Http;

namespace DeviceSync.Gateway.Tests.Admission;

/// <summary>
/// Admission control on a real gateway in front of a real cluster: capacity 1, one sync held in the cluster (two of the
/// three storage replicas paused, so its commit waits for a write quorum), and what the next requests get.
/// </summary>
[Trait("Category", "Api")]
public sealed class AdmissionApiTests : IAsyncLifetime
{
    private const string AdminKey = "admission-tests-admin-key";

    private readonly LocalCluster _cluster = new(new LocalClusterOptions
    {
        Silos = 1,
        AdminKey = AdminKey,
        GatewaySettings = new Dictionary<string, string>
        {
            ["Admission:MaxConcurrentRequests"] = "1",
            ["Admission:QueueLimit"] = "1",
            ["Admission:QueueTimeout"] = "00:00:01",
            ["Admission:RetryAfterSeconds"] = "3",
            ["Admission:MaxRetryAfterSeconds"] = "5",
        },
        // The held commit must outlast the test's checks, not fail at the default 5 s replica timeout.
        SiloSettings = new Dictionary<string, string> { ["Storage:ReplicaTimeout"] = "00:01:00" },
    });

    private HttpClient _http = new();

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        _http = _cluster.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Past_capacity_device_requests_get_503_with_Retry_After_quickly_while_admin_and_health_still_answer()
    {
        var accountId = ApiCluster.NewAccountId("adm");
        var tokens = await ProvisionAsync(accountId, devices: 3);

        // Warm up: the account and collection grains are active and the tokens are checked, so the held call below
        // waits only for its commit.
        using (var warm = await SyncAsync(tokens[0], "notes", 1, "n-0"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // Replica 0 also holds the membership table; pausing 1 and 2 leaves the cluster up but no write quorum.
        _cluster.Replicas[1].Pause();
        _cluster.Replicas[2].Pause();
        Task<HttpResponseMessage> held;
        try
        {
            held = SyncAsync(tokens[0], "notes", 2, "n-1");
            await Eventually.WaitAsync(async () => await GaugeAsync("devicesync_gateway_admission_in_flight") == 1, TimeSpan.FromSeconds(30), "the held sync holds the only slot");

            // One request may queue (for at most 1 s), the next is shed at once; both answers are quick and carry Retry-After.
            var clock = Stopwatch.StartNew();
            var queued = SyncAsync(tokens[1], "tasks", 1, "t-1");
            await Eventually.WaitAsync(async () => await GaugeAsync("devicesync_gateway_admission_queued") == 1, TimeSpan.FromSeconds(30), "the second sync waits in the queue");
            using (var shed = await SyncAsync(tokens[2], "tasks", 1, "t-2"))
            {
                await AssertShedAsync(shed);
            }

            using (var timedOut = await queued)
            {
                await AssertShedAsync(timedOut);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"shedding took {clock.Elapsed}");
            Assert.False(held.IsCompleted, "the held sync is still waiting for its write quorum");

            // Operators' routes are never shed, even with every slot taken.
            foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
            {
                using var answer = await _http.GetAsync(path);
                Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path}: {(int)answer.StatusCode}");
            }

            using (var clusterView = await AdminAsync(HttpMethod.Get, "/v1/admin/cluster", null))
            {
                Assert.Equal(HttpStatusCode.OK, clusterView.StatusCode);
            }

            // The Prometheus exporter may answer a scrape from its short-lived cache (one of the scrapes above), so the
            // shed counts are waited for rather than read once (a CI run read a scrape without them).
            var metrics = "";
            await Eventually.WaitAsync(
                async () =>
                {
                    metrics = await _http.GetStringAsync("/metrics");
                    return metrics.Contains("devicesync_reason=\"queue-full\"", StringComparison.Ordinal)
                        && metrics.Contains("devicesync_reason=\"queue-timeout\"", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(10),
                "both shed reasons are counted on /metrics");
        }
        finally
        {
            _cluster.Replicas[1].Resume();
            _cluster.Replicas[2].Resume();
        }

        // The held sync completes once a quorum is back, and the shed device's resend of the same body is served:
        // shedding changed nothing.
        using (var done = await held)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Equal("applied", await FirstStatusAsync(done));
        }

        using (var resent = await SyncAsync(tokens[2], "tasks", 1, "t-2"))
        {
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
            Assert.Equal("applied", await FirstStatusAsync(resent));
        }
    }

    [Theory]
    [InlineData("/v1/sync", true)]
    [InlineData("/v1/devices", true)]
    [InlineData("/v1/accounts", true)]
    [InlineData("/V1/Conflicts", true)]
    [InlineData("/v1/admin/provision", false)]
    [InlineData("/v1/admin/cluster", false)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    [InlineData("/metrics", false)]
    public void Only_device_routes_are_subject_to_admission(string path, bool admitted) =>
        Assert.Equal(admitted, AdmissionMiddleware.IsDeviceRoute(new PathString(path)));

    private static async Task AssertShedAsync(HttpResponseMessage response)
    {
        await ApiProblem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        // Sized to the backlog over the recent completion rate, within the configured 3..5 s.
        Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
    }

    private async Task<double> GaugeAsync(string name)
    {
        var text = await _http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is '{' or ' '))
            {
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    private async Task<IReadOnlyList<string>> ProvisionAsync(string accountId, int devices)
    {
        using var response = await AdminAsync(HttpMethod.Post, "/v1/admin/provision", $"{{\"accounts\":[{{\"accountId\":\"{accountId}\",\"devices\":{devices}}}]}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. json.RootElement.GetProperty("accounts")[0].GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("token").GetString()!)];
    }

    private Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", AdminKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> SyncAsync(string token, string collection, long mutationId, string itemId)
    {
        var body = $"{{\"collections\":[{{\"name\":\"{collection}\",\"cursor\":null,\"mutations\":[{{\"id\":{mutationId},\"op\":\"put\",\"itemId\":\"{itemId}\",\"baseVersion\":0,\"data\":{{\"n\":1}}}}]}}]}}";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sync") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _http.SendAsync(request);
    }

    private static async Task<string?> FirstStatusAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("collections")[0].GetProperty("results")[0].GetProperty("status").GetString();
    }
}
