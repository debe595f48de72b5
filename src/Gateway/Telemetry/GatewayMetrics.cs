using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DeviceSync.Gateway.Telemetry;

/// <summary>The gateway's own instruments (meter <see cref="TelemetryNames.Meter"/>).</summary>
public sealed class GatewayMetrics
{
    public static readonly ActivitySource ActivitySource = new(TelemetryNames.ActivitySource);

    private readonly Counter<long> _requests;
    private readonly Counter<long> _mutations;
    private readonly Histogram<double> _syncDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _authCacheHits;
    private readonly Counter<long> _siloLosses;
    private readonly Counter<long> _callsResent;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryNames.Meter);
        _requests = meter.CreateCounter<long>(TelemetryNames.Requests, "{request}", "Requests by route and status code.");
        _mutations = meter.CreateCounter<long>(TelemetryNames.MutationsReceived, "{mutation}", "Mutations received in valid sync requests.");
        _syncDuration = meter.CreateHistogram<double>(TelemetryNames.SyncDuration, "s", "Time to serve a valid sync request.");
        _retries = meter.CreateCounter<long>(TelemetryNames.GrainRetries, "{retry}", "Grain calls retried after a silo left or a connection failed.");
        _authCacheHits = meter.CreateCounter<long>(TelemetryNames.AuthCacheHits, "{hit}", "Bearer tokens accepted from the gateway's short-lived cache.");
        _siloLosses = meter.CreateCounter<long>(TelemetryNames.SiloLosses, "{loss}", "Silos the gateway saw go (a gateway connection closed, or a silo left the cluster manifest).");
        _callsResent = meter.CreateCounter<long>(TelemetryNames.CallsResent, "{call}", "Resendable grain calls in flight when a silo went, resent instead of waiting out the response timeout.");
    }

    public void Request(string route, int statusCode) =>
        _requests.Add(1, new KeyValuePair<string, object?>(TelemetryNames.RouteTag, route), new KeyValuePair<string, object?>(TelemetryNames.CodeTag, statusCode));

    public void MutationsReceived(long count)
    {
        if (count > 0)
        {
            _mutations.Add(count);
        }
    }

    public void SyncServed(TimeSpan elapsed) => _syncDuration.Record(elapsed.TotalSeconds);

    public void GrainRetry(string operation) => _retries.Add(1, new KeyValuePair<string, object?>(TelemetryNames.OperationTag, operation));

    public void AuthCacheHit() => _authCacheHits.Add(1);

    public void SiloLoss(string reason) => _siloLosses.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ReasonTag, reason));

    public void CallResentAfterSiloLoss() => _callsResent.Add(1);
}
