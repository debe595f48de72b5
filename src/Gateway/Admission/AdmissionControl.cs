using System.Threading.RateLimiting;
using DeviceSync.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Admission;

/// <summary>
/// A bounded number of device requests in flight per gateway, with a short first-come-first-served queue in front
/// (System.Threading.RateLimiting's <see cref="ConcurrencyLimiter"/>). A request that finds the queue full, or waits
/// longer than <see cref="AdmissionOptions.QueueTimeout"/>, is shed: the caller answers 503 with <c>Retry-After</c>.
/// </summary>
public sealed class AdmissionControl : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;
    private readonly AdmissionOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RetryAfterEstimator _retryAfter;

    public AdmissionControl(IOptions<AdmissionOptions> options, GatewayMetrics metrics, TimeProvider time)
    {
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _retryAfter = new RetryAfterEstimator(time, _options.RetryAfterSeconds, _options.MaxRetryAfterSeconds);
        if (_options.MaxConcurrentRequests > 0)
        {
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = _options.MaxConcurrentRequests,
                QueueLimit = _options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            metrics.ObserveAdmission(() => _limiter.GetStatistics() is { } s ? (_options.MaxConcurrentRequests - s.CurrentAvailablePermits, s.CurrentQueuedCount) : (0, 0));
        }
    }

    public bool Enabled => _limiter is not null;

    /// <summary>The <c>Retry-After</c> for a request shed now: the backlog over the recent completion rate, within the configured bounds.</summary>
    public int RetryAfterSeconds()
    {
        if (_limiter?.GetStatistics() is not { } statistics)
        {
            return _options.RetryAfterSeconds;
        }

        var backlog = _options.MaxConcurrentRequests - statistics.CurrentAvailablePermits + statistics.CurrentQueuedCount;
        return _retryAfter.Seconds(backlog);
    }

    /// <summary>
    /// A lease to dispose when the request is done, or null when the request is shed. Without admission control every
    /// request gets an empty lease.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken requestAborted)
    {
        // The common case, a free slot and nobody queued, costs no timer and no allocation beyond the lease.
        var admitted = TryEnterNow();
        if (admitted is not null || _limiter is null)
        {
            return admitted;
        }

        if (_options.QueueLimit == 0 || _options.QueueTimeout <= TimeSpan.Zero)
        {
            _metrics.AdmissionShed(AdmissionShedReason.QueueFull);
            return null;
        }

        var queued = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.QueueTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, timeout.Token);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, linked.Token);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            _metrics.AdmissionQueued(_time.GetElapsedTime(queued));
            _metrics.AdmissionShed(AdmissionShedReason.QueueTimeout);
            return null;
        }

        _metrics.AdmissionQueued(_time.GetElapsedTime(queued));
        if (lease.IsAcquired)
        {
            return new Admitted(lease, _retryAfter);
        }

        // Queue full (or the oldest waiter pushed out): shed at once.
        lease.Dispose();
        _metrics.AdmissionShed(AdmissionShedReason.QueueFull);
        return null;
    }

    /// <summary>
    /// A free slot now, or null when there is none (then nothing is counted: the caller hands the request to the path
    /// that queues or sheds it, <see cref="EnterAsync"/>). For the events connection handler, which must not answer
    /// differently from the route it stands in for.
    /// </summary>
    public IDisposable? TryEnterNow()
    {
        if (_limiter is null)
        {
            return NoLease.Instance;
        }

        var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return new Admitted(lease, _retryAfter);
        }

        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter?.Dispose();

    /// <summary>Frees the slot and counts the completion (the rate behind <c>Retry-After</c>).</summary>
    private sealed class Admitted(RateLimitLease lease, RetryAfterEstimator completions) : IDisposable
    {
        public void Dispose()
        {
            lease.Dispose();
            completions.Completed();
        }
    }

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();

        public void Dispose()
        {
        }
    }
}
