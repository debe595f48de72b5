using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Admission;

/// <summary>
/// How much device work one gateway lets into the cluster at once (section <c>Admission</c>). Past that, requests wait
/// in a short queue; past the queue, they are answered 503 with <c>Retry-After</c> at once instead of piling up in
/// the silos and the storage replicas until they time out (docs/benchmarks.md, "Admission control").
/// </summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>Device requests served at once by this gateway; 0 turns admission control off.</summary>
    [Range(0, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that may wait for a free slot, oldest first; the next one is shed at once.</summary>
    [Range(0, 1_000_000)]
    public int QueueLimit { get; set; } = 256;

    /// <summary>How long a request may wait in the queue before it is shed. Short: a device that waits here is a device
    /// that could have backed off and let the queue drain.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The <c>Retry-After</c> of a shed request, in whole seconds; clients add their own jitter.</summary>
    [Range(1, 60)]
    public int RetryAfterSeconds { get; set; } = 1;
}
