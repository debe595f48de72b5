using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Cluster;

/// <summary>How the gateway finds and talks to the Orleans cluster (section <c>Cluster</c>).</summary>
public sealed class ClusterClientOptions
{
    public const string SectionName = "Cluster";

    /// <summary>The same rule as the silos' (src/Silo/Hosting/ClusterSettings): a value only the gateway accepted
    /// would leave it looking for a cluster no silo can join.</summary>
    [Required, RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string ClusterId { get; set; } = "devicesync";

    [Required, RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string ServiceId { get; set; } = "devicesync";

    /// <summary>The Azure Table connection string of the membership table.</summary>
    [Required]
    public string MembershipConnectionString { get; set; } = "";

    /// <summary>
    /// How long one grain call may take before the client gives up on it and retries (within the budget). A trade-off,
    /// measured (docs/benchmarks.md): a call in flight to a silo killed with kill -9 is not always broken when the silo
    /// is declared dead and then waits this long; a slow but live silo gets the call again, adding to its queue.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the gateway re-reads the list of live silos from the membership table. A silo that hangs without
    /// closing its connections (a frozen host, a partition) keeps receiving this gateway's calls, which time out, until
    /// a re-read shows it dead; Orleans's default (1 min) made that a minute of failures (docs/upgrades.md, "Failover").
    /// One small table query per period.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a request keeps retrying grain calls that failed because a silo left, before answering 503. Longer
    /// than the silos' failure detection (a few seconds), so a crashed silo costs devices latency, not errors.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(30);
}
