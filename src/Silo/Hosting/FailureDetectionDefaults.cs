using Orleans.Configuration;

namespace DeviceSync.Silo.Hosting;

/// <summary>
/// How fast a crashed silo is declared dead. Orleans's defaults take about 15 s, longer than a device should wait;
/// these detect a kill -9 in a few seconds (FACTS.md measured ~1 s with a 1 s probe timeout) while leaving margin
/// against false suspicions on small, busy machines. Any value can be overridden in the "Membership" section.
/// </summary>
public static class FailureDetectionDefaults
{
    public const string SectionName = "Membership";

    public static void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        options.NumMissedProbesLimit = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
