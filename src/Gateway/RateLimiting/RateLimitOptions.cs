using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.RateLimiting;

/// <summary>Per-device and per-account request rates (section <c>RateLimits</c>); 0 turns a limit off (the default).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    [Range(0, 1_000_000)]
    public int PerDevicePerSecond { get; set; }

    [Range(0, 10_000_000)]
    public int PerAccountPerSecond { get; set; }
}
