using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Sync;

/// <summary>No-change leases on the gateway's side (section <c>NoChangeLeases</c>; docs/adr/0014-no-change-leases.md).</summary>
public sealed class NoChangeLeaseOptions
{
    public const string SectionName = "NoChangeLeases";

    /// <summary>Ask collection grains for leases and answer repeated no-change syncs under them. Off: every sync reaches its grain.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bound on the collections held; the cache is cleared when it would grow past this (it only costs grain calls).</summary>
    [Range(1, 10_000_000)]
    public int MaxCollections { get; set; } = 200_000;
}
