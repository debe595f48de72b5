using DeviceSync.Contracts;
using DeviceSync.Contracts.Operations;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace DeviceSync.Gateway.Cluster;

/// <summary>
/// Runs grain calls and retries the ones that failed because a silo left or died, with short backoff, within a
/// budget. Safe for sync (idempotent by mutation id), reads and provisioning with a provision id; for account creation,
/// registration and provisioning without one, a retry after a lost response can rarely answer 409 or add one device
/// more (see README). When the budget runs
/// out, throws <see cref="ClusterUnavailableException"/>; a grain's <see cref="StorageUnavailableException"/>
/// passes through at once. Both become 503 with <c>Retry-After</c>.
/// </summary>
public sealed class GrainCalls(IClusterClient cluster, IOptions<ClusterClientOptions> options, TimeProvider time, GatewayMetrics metrics, ILogger<GrainCalls> logger)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly GrainReferences<IAccountGrain> _accounts = new(cluster);
    private readonly GrainReferences<ICollectionGrain> _collections = new(cluster);

    /// <summary>Calls the account grain; resolving the grain is retried too (the client learns grain types from the cluster).</summary>
    public Task<T> OnAccountAsync<T>(string operation, string accountId, Func<IAccountGrain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(_accounts.Get(accountId)), cancellationToken);

    public Task OnAccountAsync(string operation, string accountId, Func<IAccountGrain, Task> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(_accounts.Get(accountId)), cancellationToken);

    public Task<T> OnCollectionAsync<T>(string operation, string accountId, string collection, Func<ICollectionGrain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(_collections.Get(CollectionKey.Format(accountId, collection))), cancellationToken);

    public Task<T> OnManagementAsync<T>(string operation, Func<IManagementGrain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(cluster.GetGrain<IManagementGrain>(0)), cancellationToken);

    public Task InvokeAsync(string operation, Func<Task> call, CancellationToken cancellationToken) =>
        InvokeAsync(
            operation,
            async () =>
            {
                await call();
                return true;
            },
            cancellationToken);

    public async Task<T> InvokeAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var budget = options.Value.RetryBudget;
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (IsTransient(exception))
            {
                var elapsed = time.GetElapsedTime(started);
                if (elapsed + delay > budget || cancellationToken.IsCancellationRequested)
                {
                    var kind = exception.GetType().Name;
                    Log.RetryBudgetExhausted(logger, operation, attempt, kind);
                    throw new ClusterUnavailableException($"{operation} failed after {attempt} attempts.", exception);
                }

                metrics.GrainRetry(operation);
                var failure = exception.GetType().Name;
                Log.RetryingGrainCall(logger, operation, attempt, failure);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>Failures that mean "the silo or connection went away", not "the call was wrong".</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        SiloUnavailableException => true,
        OrleansMessageRejectionException => true,
        ConnectionFailedException => true,
        GatewayTooBusyException => true,
        TimeoutException => true,
        ClientNotAvailableException => true,
        // Before the client has connected it knows no grain types; a cluster whose silos are still starting may not either.
        ArgumentException e when e.Message.StartsWith("Could not find an implementation for interface", StringComparison.Ordinal) => true,
        OrleansException e when e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase) => true,
        InvalidOperationException e when e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("not been started", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("not initialized", StringComparison.OrdinalIgnoreCase) => true,
        _ => false,
    };
}
