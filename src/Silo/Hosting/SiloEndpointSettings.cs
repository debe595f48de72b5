using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Silo.Hosting;

/// <summary>Where this silo listens for other silos and for clients (configuration section "Silo").</summary>
public sealed class SiloEndpointSettings
{
    public const string SectionName = "Silo";

    /// <summary>The address other silos and gateways use to reach this one. Loopback for the local cluster.</summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How long a graceful shutdown may take: in-flight requests finish, grains deactivate.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Move activations to silos that have fewer (Orleans's activation rebalancer; tune it in section <c>Rebalancer</c>).</summary>
    public bool Rebalance { get; set; } = true;
}
