using DeviceSync.Contracts.Operations;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace DeviceSync.Gateway.Tests.Cluster;

public sealed class GrainCallsTests
{
    [Fact]
    public async Task Retries_calls_that_hit_a_leaving_silo()
    {
        var calls = Create(TimeSpan.FromSeconds(10));
        var attempts = 0;
        var result = await calls.InvokeAsync(
            "test",
            () => ++attempts switch
            {
                1 => throw new SiloUnavailableException(),
                2 => throw new GatewayTooBusyException(),
                3 => throw new ConnectionFailedException("gone"),
                _ => Task.FromResult(42),
            },
            CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task Gives_up_when_the_budget_is_spent()
    {
        var calls = Create(TimeSpan.Zero);
        var attempts = 0;
        await Assert.ThrowsAsync<ClusterUnavailableException>(() => calls.InvokeAsync<int>("test", () =>
        {
            attempts++;
            throw new TimeoutException();
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Storage_unavailability_is_not_retried()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => Create(TimeSpan.FromSeconds(10)).InvokeAsync<int>("test", () =>
        {
            attempts++;
            throw new StorageUnavailableException("quorum lost");
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Other_failures_pass_through_at_once()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<InvalidCastException>(() => Create(TimeSpan.FromSeconds(10)).InvokeAsync<int>("test", () =>
        {
            attempts++;
            throw new InvalidCastException();
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Theory]
    [InlineData(typeof(ClusterUnavailableException), 503)]
    [InlineData(typeof(StorageUnavailableException), 503)]
    [InlineData(typeof(SiloUnavailableException), 503)]
    [InlineData(typeof(TimeoutException), 503)]
    [InlineData(typeof(InvalidCastException), 500)]
    [InlineData(typeof(NullReferenceException), 500)]
    public void Classifies_failures(Type exceptionType, int status)
    {
        var result = ProblemExceptionMiddleware.Classify((Exception)Activator.CreateInstance(exceptionType)!);
        Assert.Equal(status, result.Problem.Status);
        if (status == 503)
        {
            Assert.Equal(ProblemCodes.Unavailable, result.Problem.Code);
            Assert.Contains(result.Headers, h => h.Key == "Retry-After" && h.Value == "1");
        }
    }

    private static GrainCalls Create(TimeSpan budget)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new GrainCalls(
            null!,
            Options.Create(new ClusterClientOptions { RetryBudget = budget }),
            TimeProvider.System,
            new GatewayMetrics(meters),
            NullLogger<GrainCalls>.Instance);
    }
}
