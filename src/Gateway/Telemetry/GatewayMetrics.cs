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
    private readonly Counter<long> _leaseAnswers;
    private readonly Meter _meter;
    private readonly Counter<long> _admissionShed;
    private readonly Histogram<double> _admissionQueueTime;
    private readonly Counter<long> _siloLosses;
    private readonly Counter<long> _callsResent;
    private readonly Counter<long> _eventFrames;
    private readonly Counter<long> _eventRenewals;
    private readonly Counter<long> _eventSubscriptionsLost;
    private readonly Counter<long> _eventUpgrades;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(TelemetryNames.Meter);
        _requests = meter.CreateCounter<long>(TelemetryNames.Requests, "{request}", "Requests by route and status code.");
        _mutations = meter.CreateCounter<long>(TelemetryNames.MutationsReceived, "{mutation}", "Mutations received in valid sync requests.");
        _syncDuration = meter.CreateHistogram<double>(TelemetryNames.SyncDuration, "s", "Time to serve a valid sync request.");
        _retries = meter.CreateCounter<long>(TelemetryNames.GrainRetries, "{retry}", "Grain calls retried after a silo left or a connection failed.");
        _authCacheHits = meter.CreateCounter<long>(TelemetryNames.AuthCacheHits, "{hit}", "Bearer tokens accepted from the gateway's short-lived cache.");
        _leaseAnswers = meter.CreateCounter<long>(TelemetryNames.LeaseAnswers, "{collection}", "Collections of sync requests the gateway answered \"no changes\" itself, under a collection grain's no-change lease.");
        _admissionShed = meter.CreateCounter<long>(TelemetryNames.AdmissionShed, "{request}", "Device requests answered 503 because the gateway was at capacity, by reason.");
        // Explicit buckets: OpenTelemetry's defaults (0, 5, 10, ... 10000) suit milliseconds, and every wait here is under the
        // queue timeout (seconds), so they all fell into one bucket.
        _admissionQueueTime = meter.CreateHistogram(
            TelemetryNames.AdmissionQueueTime,
            "s",
            "Time device requests waited in the admission queue (admitted or shed).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] });
        _siloLosses = meter.CreateCounter<long>(TelemetryNames.SiloLosses, "{loss}", "Silos the gateway saw go (a gateway connection closed, or a silo left the cluster manifest).");
        _callsResent = meter.CreateCounter<long>(TelemetryNames.CallsResent, "{call}", "Resendable grain calls in flight when a silo went, resent instead of waiting out the response timeout.");
        _eventFrames = meter.CreateCounter<long>(TelemetryNames.EventFrames, "{frame}", "Event frames sent to device sockets, by type (changed; revoked: a 4001 close).");
        _eventRenewals = meter.CreateCounter<long>(TelemetryNames.EventRenewals, "{renewal}", "Account event subscriptions made or renewed, by reason (connect, refresh, silo-loss, ended).");
        _eventSubscriptionsLost = meter.CreateCounter<long>(TelemetryNames.EventSubscriptionsLost, "{subscription}", "Renewals that found a new events grain activation: the subscription had been lost, and what it saw was replayed.");
        _eventUpgrades = meter.CreateCounter<long>(TelemetryNames.EventUpgrades, "{socket}", "Event sockets accepted, by the path that served the upgrade (connection: the Kestrel connection handler; request: the /v1/events route).");
    }

    /// <summary>Gauges of <c>/v1/events</c>: open device sockets, and accounts subscribed (one subscription each).</summary>
    public void ObserveEvents(Func<(long Sockets, long Subscriptions)> read)
    {
        _meter.CreateObservableGauge(TelemetryNames.EventSockets, () => read().Sockets, "{socket}", "Open device event sockets.");
        _meter.CreateObservableGauge(TelemetryNames.EventSubscriptions, () => read().Subscriptions, "{subscription}", "Accounts this gateway holds event sockets of, each with one subscription to its events grain.");
    }

    public void EventFramesSent(string type, int count)
    {
        if (count > 0)
        {
            _eventFrames.Add(count, new KeyValuePair<string, object?>(TelemetryNames.TypeTag, type));
        }
    }

    public void EventSubscriptionRenewed(string reason) => _eventRenewals.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ReasonTag, reason));

    public void EventSubscriptionLost() => _eventSubscriptionsLost.Add(1);

    public void EventUpgraded(string path) => _eventUpgrades.Add(1, new KeyValuePair<string, object?>(TelemetryNames.PathTag, path));

    /// <summary>Gauges of the admission limiter: requests holding a slot and requests waiting for one.</summary>
    public void ObserveAdmission(Func<(long InFlight, long Queued)> read)
    {
        _meter.CreateObservableGauge(TelemetryNames.AdmissionInFlight, () => read().InFlight, "{request}", "Device requests holding an admission slot.");
        _meter.CreateObservableGauge(TelemetryNames.AdmissionQueued, () => read().Queued, "{request}", "Device requests waiting for an admission slot.");
    }

    public void AdmissionShed(string reason) => _admissionShed.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ReasonTag, reason));

    public void AdmissionQueued(TimeSpan waited) => _admissionQueueTime.Record(waited.TotalSeconds);

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

    public void LeaseAnswered() => _leaseAnswers.Add(1);

    public void SiloLoss(string reason) => _siloLosses.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ReasonTag, reason));

    public void CallResentAfterSiloLoss() => _callsResent.Add(1);
}
