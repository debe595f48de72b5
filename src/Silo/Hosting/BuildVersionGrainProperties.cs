using DeviceSync.Contracts.Operations;
using Orleans.Metadata;

namespace DeviceSync.Silo.Hosting;

/// <summary>
/// Publishes this silo's build in its grain manifest (see <see cref="BuildInfo.ManifestProperty"/>): the cluster view
/// of <c>/v1/admin/cluster</c> reads it from there, so it is right for every silo, old build or new, during a roll.
/// </summary>
internal sealed class BuildVersionGrainProperties : IGrainPropertiesProvider
{
    public void Populate(Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        if (grainClass.Namespace?.StartsWith("DeviceSync.", StringComparison.Ordinal) == true)
        {
            properties[BuildInfo.ManifestProperty] = BuildInfo.Version;
        }
    }
}
