using System.Reflection;

namespace DeviceSync.Contracts.Operations;

/// <summary>
/// Which build a process runs, so operators can see a rolling upgrade's progress: the informational version
/// (the version plus the commit it was built from, e.g. <c>1.0.0+54de959…</c>).
/// </summary>
public static class BuildInfo
{
    /// <summary>
    /// The grain property every silo adds to its manifest with its build. Orleans shares silo manifests with the
    /// whole cluster and its clients, so a gateway can report each silo's build without calling it.
    /// </summary>
    public const string ManifestProperty = "devicesync.build";

    /// <summary>This process's build (all DeviceSync assemblies of one process come from the same commit).</summary>
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
