using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Admission;

/// <summary>
/// How much device work one gateway lets into the cluster at once (section <c>Admission</c>). Past that, requests wait
/// in a bounded queue for a bounded time; past either, they are answered 503 with <c>Retry-After</c> instead of piling
/// up in the silos and the storage replicas until they time out (docs/benchmarks.md, "Admission control").
/// </summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>Device requests served at once by this gateway; 0 turns admission control off.</summary>
    [Range(0, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that may wait for a free slot, oldest first; the next one is shed at once. Large enough to hold a
    /// fleet's worth of requests: a queue is first come, first served, while shed devices come back in random order, so
    /// a long queue is fairer and wastes less of the gateway on answering 503s (docs/benchmarks.md, "Admission control").</summary>
    [Range(0, 1_000_000)]
    public int QueueLimit { get; set; } = 1000;

    /// <summary>How long a request may wait in the queue before it is shed; with the cluster's own time it stays well
    /// inside a device's request timeout (30 s in the load harness).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The least <c>Retry-After</c> of a shed request, in whole seconds; clients add their own jitter.</summary>
    [Range(1, 60)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>The most: a shed request's <c>Retry-After</c> is the backlog ahead of it divided by the recent completion
    /// rate, between <see cref="RetryAfterSeconds"/> and this.</summary>
    [Range(1, 300)]
    public int MaxRetryAfterSeconds { get; set; } = 10;
}
