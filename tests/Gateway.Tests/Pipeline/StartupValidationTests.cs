using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>A bad setting stops the gateway at start with a clear message, not at the first request.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Cluster:MembershipConnectionString", "")]
    [InlineData("Auth:TokenCacheSeconds", "5")]
    [InlineData("RateLimits:PerDevicePerSecond", "-1")]
    [InlineData("Cluster:ResponseTimeout", "00:00:00")]
    [InlineData("Cluster:ClusterId", "dev sync")] // the silos refuse it too
    [InlineData("Cluster:ServiceId", "devicesync/1")]
    [InlineData("Admission:MaxConcurrentRequests", "-1")]
    [InlineData("Admission:QueueLimit", "-1")]
    [InlineData("Admission:QueueTimeout", "00:02:00")]
    [InlineData("Admission:RetryAfterSeconds", "0")]
    [InlineData("Admission:RetryAfterSeconds", "20")] // above MaxRetryAfterSeconds (10)
    [InlineData("Admission:MaxRetryAfterSeconds", "301")]
    [InlineData("Events:KeepAliveInterval", "00:00:00")]
    [InlineData("Events:SubscriptionRefresh", "00:20:00")]
    [InlineData("Events:SendTimeout", "00:00:00")]
    public async Task Bad_settings_stop_the_start(string key, string value)
    {
        await using var app = GatewayApplication.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:MembershipConnectionString"] = "UseDevelopmentStorage=true",
                ["Logging:LogLevel:Default"] = "None",
                [key] = value,
            }));
        await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }
}
