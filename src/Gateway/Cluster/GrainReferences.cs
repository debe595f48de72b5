using Orleans.Runtime;

namespace DeviceSync.Gateway.Cluster;

/// <summary>
/// References to grains of one interface by string key. <c>GetGrain&lt;T&gt;(key)</c> resolves T's grain
/// interface type from its attributes by reflection on every call (about 3 % of the gateway's CPU in a no-change
/// sync, and as much of its allocations); the grain type and interface type are the same for every key, so they
/// are learned from the first reference and reused.
/// </summary>
public sealed class GrainReferences<TGrain>(IGrainFactory factory)
    where TGrain : class, IGrainWithStringKey
{
    private Resolved? _resolved;

    public TGrain Get(string key)
    {
        if (_resolved is { } resolved)
        {
            return (TGrain)factory.GetGrain(GrainId.Create(resolved.GrainType, key), resolved.InterfaceType);
        }

        // Before the client has connected this throws (no grain types yet); GrainCalls retries it.
        var grain = factory.GetGrain<TGrain>(key);
        if (grain is GrainReference reference)
        {
            _resolved = new Resolved(reference.GrainId.Type, reference.InterfaceType);
        }

        return grain;
    }

    private sealed record Resolved(GrainType GrainType, GrainInterfaceType InterfaceType);
}
