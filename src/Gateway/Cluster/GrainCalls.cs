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
/// A call marked resendable (reads, and sync: idempotent by mutation id) is also resent when a silo is lost while
/// it is in flight (<see cref="SiloLossSignal"/>), rather than left to wait out the response timeout.
/// </summary>
public sealed class GrainCalls(
    IClusterClient cluster,
    IOptions<ClusterClientOptions> options,
    SiloLossSignal siloLoss,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<GrainCalls> logger)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly GrainReferences<IAccountGrain> _accounts = new(cluster);
    private readonly GrainReferences<ICollectionGrain> _collections = new(cluster);

    /// <summary>Calls the account grain; resolving the grain is retried too (the client learns grain types from the cluster).</summary>
    /// <param name="resendable">True for calls that change nothing or are idempotent: they are resent when a silo is
    /// lost mid-call. Account creation, device registration, provisioning and revocation are not: a resend after the
    /// original succeeded would answer 409, or add a device.</param>
    public Task<T> OnAccountAsync<T>(string operation, string accountId, Func<IAccountGrain, Task<T>> call, CancellationToken cancellationToken, bool resendable = false) =>
        InvokeAsync(operation, () => call(_accounts.Get(accountId)), cancellationToken, resendable);

    public Task OnAccountAsync(string operation, string accountId, Func<IAccountGrain, Task> call, CancellationToken cancellationToken, bool resendable = false) =>
        InvokeAsync(operation, () => call(_accounts.Get(accountId)), cancellationToken, resendable);

    /// <summary>Every collection call is resendable: sync is idempotent by mutation id, the rest are reads.</summary>
    public Task<T> OnCollectionAsync<T>(string operation, string accountId, string collection, Func<ICollectionGrain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(_collections.Get(CollectionKey.Format(accountId, collection))), cancellationToken, resendable: true);

    public Task<T> OnManagementAsync<T>(string operation, Func<IManagementGrain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(operation, () => call(cluster.GetGrain<IManagementGrain>(0)), cancellationToken, resendable: true);

    public Task InvokeAsync(string operation, Func<Task> call, CancellationToken cancellationToken, bool resendable = false) =>
        InvokeAsync(
            operation,
            async () =>
            {
                await call();
                return true;
            },
            cancellationToken,
            resendable);

    public async Task<T> InvokeAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken, bool resendable = false)
    {
        var budget = options.Value.RetryBudget;
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return resendable ? await CallOrAbandonOnSiloLossAsync(call) : await call();
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

    private async Task<T> CallOrAbandonOnSiloLossAsync<T>(Func<Task<T>> call)
    {
        // Read the signal before sending, so a loss while the call is in flight is never missed.
        var lost = siloLoss.NextLoss;
        var pending = call();
        if (pending.IsCompleted || await Task.WhenAny(pending, lost) == pending)
        {
            return await pending;
        }

        // The original may still complete on a healthy silo; nobody waits for it, but its failure must be observed.
        _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        metrics.CallResentAfterSiloLoss();
        throw new SiloLostDuringCallException();
    }

    /// <summary>Failures that mean "the silo or connection went away", not "the call was wrong".</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        SiloLostDuringCallException => true,
        // Orleans gives up on a message that waited too long for placement (a silo leaving mid-roll, a burst of
        // activations) with a token-less cancellation. A cancelled request carries its own token and is not retried.
        OperationCanceledException { CancellationToken.CanBeCanceled: false } => true,
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
