using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Silo.Hosting;

/// <summary>Which cluster this silo joins and where its membership table lives (configuration section "Cluster").</summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Cluster";

    [Required, RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string ClusterId { get; set; } = "devicesync";

    /// <summary>Part of every storage key: a cluster with another ServiceId sees none of this one's data.</summary>
    [Required, RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string ServiceId { get; set; } = "devicesync";

    /// <summary>Azure Table storage for the membership table (locally: the first Azurite).</summary>
    [Required]
    public string MembershipConnectionString { get; set; } = "";
}
