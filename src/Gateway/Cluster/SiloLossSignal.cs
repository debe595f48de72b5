using DeviceSync.Gateway.Telemetry;
using Orleans.Runtime;

namespace DeviceSync.Gateway.Cluster;

/// <summary>
/// Tells in-flight grain calls that a silo has gone, so <see cref="GrainCalls"/> can resend the ones that are safe to
/// resend instead of waiting out the response timeout.
/// </summary>
/// <remarks>
/// A call delivered to a silo that is then killed gets no answer: Orleans breaks it only if it went through that
/// silo's own gateway connection; one forwarded to it by another silo waits the full <c>ResponseTimeout</c> (10 s),
/// which is what bounded failover before (docs/upgrades.md). Two sources raise the signal:
/// <list type="bullet">
/// <item>the client's connection to a silo's gateway closing (the count of connected gateways falls): on a kill -9
/// this happens at once, well before the silo is declared dead;</item>
/// <item>a silo leaving the cluster manifest the client polls (<c>TypeMapRefreshInterval</c>): the fallback when a
/// host vanishes without closing its sockets, a few seconds after the membership declares it dead.</item>
/// </list>
/// The signal does not say which calls were on the lost silo (the client cannot know where a grain lives), so every
/// resendable call in flight at that moment is resent; the originals on healthy silos still finish, and the resend
/// is answered from what they committed (sync is idempotent by mutation id). That costs one extra call per call in
/// flight, once per silo loss.
/// </remarks>
public sealed class SiloLossSignal : IClusterConnectionStatusObserver
{
    private readonly ILogger<SiloLossSignal> _logger;
    private readonly GatewayMetrics _metrics;
    private TaskCompletionSource _next = NewSource();

    public SiloLossSignal(ILogger<SiloLossSignal> logger, GatewayMetrics metrics)
    {
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>Set while the gateway itself shuts down: its client closing every connection is not a silo loss.</summary>
    public bool Stopping { get; set; }

    /// <summary>Completes at the next silo loss after it was read. Read it before starting a call.</summary>
    public Task NextLoss => Volatile.Read(ref _next).Task;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Raise("gateway connection closed");
        }
    }

    public void NotifyClusterConnectionLost() => Raise("cluster connection lost");

    /// <summary>Called when a silo that was in the cluster manifest is no longer in it.</summary>
    public void SiloLeftManifest(SiloAddress silo) => Raise("silo left the cluster manifest");

    private void Raise(string reason)
    {
        if (Stopping)
        {
            return;
        }

        var fired = Interlocked.Exchange(ref _next, NewSource());
        fired.TrySetResult();
        _metrics.SiloLoss(reason);
        Log.SiloLost(_logger, reason);
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
