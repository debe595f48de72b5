using Orleans.Metadata;
using Orleans.Runtime;

namespace DeviceSync.Gateway.Cluster;

/// <summary>
/// Raises <see cref="SiloLossSignal"/> when a silo drops out of the cluster manifest the client polls: the silo has
/// been declared dead or has left. The backstop for a host that vanishes without closing its connections (a power
/// loss, a partition), which the gateway-connection count does not see.
/// </summary>
public sealed class ManifestSiloWatcher(
    IClusterManifestProvider manifests,
    SiloLossSignal siloLoss,
    IHostApplicationLifetime lifetime,
    ILogger<ManifestSiloWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The gateway's own shutdown closes every connection; that must not read as silos being lost.
        using var stopping = lifetime.ApplicationStopping.Register(() => siloLoss.Stopping = true);
        HashSet<SiloAddress>? known = null;
        try
        {
            await foreach (var manifest in manifests.Updates.WithCancellation(stoppingToken))
            {
                var current = manifest.Silos.Keys.ToHashSet();
                if (known is not null)
                {
                    foreach (var silo in known.Where(s => !current.Contains(s)))
                    {
                        siloLoss.SiloLeftManifest(silo);
                    }
                }

                known = current;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The gateway-connection signal still works; losing this backstop must not stop the gateway.
            Log.ManifestWatchFailed(logger, ex);
        }
    }
}
