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
    [InlineData("Blobs:MaxBytes", "67108865")] // over PROTOCOL.md's 64 MiB
    [InlineData("Blobs:BlockBytes", "1000")]
    [InlineData("Blobs:ReplicaTimeout", "00:00:00")]
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

    /// <summary>The blob store's replicas follow the silos' rules (BlobStorageOptionsValidator).</summary>
    [Theory]
    [InlineData("Storage:WriteQuorum", "3")] // more than the 2 replicas
    [InlineData("Storage:TablePrefix", "dev-sync")]
    [InlineData("Storage:Replicas:1", "UseDevelopmentStorage=true")] // the same replica twice
    [InlineData("Backup:TablePrefix", "1backup")]
    public async Task Bad_blob_storage_settings_stop_the_start(string key, string value)
    {
        await using var app = GatewayApplication.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:MembershipConnectionString"] = "UseDevelopmentStorage=true",
                ["Logging:LogLevel:Default"] = "None",
                ["Storage:Replicas:0"] = "UseDevelopmentStorage=true",
                ["Storage:Replicas:1"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
                ["Backup:ConnectionString"] = "UseDevelopmentStorage=true",
                [key] = value,
            }));
        await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }
}
