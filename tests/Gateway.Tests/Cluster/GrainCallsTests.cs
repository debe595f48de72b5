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
    public async Task Retries_a_message_the_cluster_let_expire_but_not_a_cancelled_request()
    {
        var calls = Create(TimeSpan.FromSeconds(10));
        var attempts = 0;
        var result = await calls.InvokeAsync(
            "test",
            () => ++attempts == 1 ? throw new OperationCanceledException("Message expired before placement could complete") : Task.FromResult(1),
            CancellationToken.None);
        Assert.Equal(1, result);
        Assert.Equal(2, attempts);

        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => calls.InvokeAsync<int>(
            "test",
            () => throw new OperationCanceledException(aborted.Token),
            aborted.Token));
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

    [Fact]
    public async Task A_resendable_call_in_flight_when_a_silo_is_lost_is_resent_at_once()
    {
        var (calls, siloLoss) = CreateWithSignal(TimeSpan.FromSeconds(10));
        var stranded = new TaskCompletionSource<int>();
        var attempts = 0;
        var result = calls.InvokeAsync("test", () => ++attempts == 1 ? stranded.Task : Task.FromResult(7), CancellationToken.None, resendable: true);
        Assert.False(result.IsCompleted);

        siloLoss.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);

        Assert.Equal(7, await result.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, attempts);

        // The stranded original failing later must not surface anywhere (no unobserved task exception).
        stranded.SetException(new TimeoutException());
    }

    [Fact]
    public async Task A_call_not_marked_resendable_keeps_waiting_for_its_answer_when_a_silo_is_lost()
    {
        var (calls, siloLoss) = CreateWithSignal(TimeSpan.FromSeconds(10));
        var answer = new TaskCompletionSource<int>();
        var attempts = 0;
        var result = calls.InvokeAsync("test", () => { attempts++; return answer.Task; }, CancellationToken.None);

        siloLoss.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);
        siloLoss.SiloLeftManifest(SiloAddress.New(System.Net.IPAddress.Loopback, 11111, 1));
        answer.SetResult(3);

        Assert.Equal(3, await result.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_gateway_joining_does_not_resend_anything()
    {
        var (calls, siloLoss) = CreateWithSignal(TimeSpan.FromSeconds(10));
        var answer = new TaskCompletionSource<int>();
        var attempts = 0;
        var result = calls.InvokeAsync("test", () => { attempts++; return answer.Task; }, CancellationToken.None, resendable: true);

        siloLoss.NotifyGatewayCountChanged(3, 2, connectionRecovered: false);
        await Task.Delay(50);
        answer.SetResult(5);

        Assert.Equal(5, await result.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, attempts);
    }

    private static GrainCalls Create(TimeSpan budget) => CreateWithSignal(budget).Calls;

    private static (GrainCalls Calls, SiloLossSignal SiloLoss) CreateWithSignal(TimeSpan budget)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(meters);
        var siloLoss = new SiloLossSignal(NullLogger<SiloLossSignal>.Instance, metrics);
        var calls = new GrainCalls(
            null!,
            Options.Create(new ClusterClientOptions { RetryBudget = budget }),
            siloLoss,
            TimeProvider.System,
            metrics,
            NullLogger<GrainCalls>.Instance);
        return (calls, siloLoss);
    }
}
