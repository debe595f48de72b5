using Orleans.Configuration;

namespace DeviceSync.Silo.Hosting;

/// <summary>
/// How fast a crashed or hung silo is declared dead. Orleans's defaults take about 15 s for a crash and far longer for
/// a hung host; these detect a kill -9 in a few seconds (FACTS.md measured ~1 s with a 1 s probe timeout) while leaving
/// margin against false suspicions on small, busy machines. Any value can be overridden in the "Membership" section.
/// </summary>
/// <remarks>
/// <c>MaxProbeTimeout</c> matters for a hung (not crashed) silo: Orleans 10 suppresses votes against a silo whose
/// connection delivered a message within MaxProbeTimeout × NumMissedProbesLimit, and MaxProbeTimeout defaults to four
/// times ProbeTimeout, so a frozen silo was kept alive for 16 s after its last message (docs/upgrades.md,
/// "Failover"). 3 s makes that window 6 s. The connection check itself is what protects a loaded but live silo from a
/// false suspicion (it keeps sending messages), so the shorter window does not trade away that safety.
/// </remarks>
public static class FailureDetectionDefaults
{
    public const string SectionName = "Membership";

    public static void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        options.MaxProbeTimeout = TimeSpan.FromSeconds(3);
        options.NumMissedProbesLimit = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
