using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Auth;

/// <summary>Bearer-token checking (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// How long a positive token check is reused without asking the account grain. Capped at 4 s so that a
    /// revoked token is dead within 5 s on every gateway (PROTOCOL.md); 0 turns the cache off.
    /// </summary>
    [Range(0.0, 4.0)]
    public double TokenCacheSeconds { get; set; } = 2;

    /// <summary>Bound on cached entries; the cache is cleared when it would grow past this.</summary>
    [Range(1, 10_000_000)]
    public int TokenCacheMaxEntries { get; set; } = 200_000;
}
