namespace DeviceSync.Gateway.Telemetry;

/// <summary>Every telemetry name the gateway emits or listens to, in one place.</summary>
public static class TelemetryNames
{
    public const string ServiceName = "devicesync-gateway";
    public const string ActivitySource = "DeviceSync.Gateway";
    public const string Meter = "DeviceSync.Gateway";

    public const string OrleansMeter = "Microsoft.Orleans";
    public const string OrleansRuntimeSource = "Microsoft.Orleans.Runtime";
    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";

    public const string Requests = "devicesync.gateway.requests";
    public const string MutationsReceived = "devicesync.gateway.mutations.received";
    public const string SyncDuration = "devicesync.gateway.sync.duration";
    public const string GrainRetries = "devicesync.gateway.grain.retries";
    public const string AuthCacheHits = "devicesync.gateway.auth.cache_hits";
    public const string LeaseAnswers = "devicesync.gateway.sync.lease_answers";
    public const string AdmissionShed = "devicesync.gateway.admission.shed";
    public const string AdmissionQueueTime = "devicesync.gateway.admission.queue_time";
    public const string AdmissionInFlight = "devicesync.gateway.admission.in_flight";
    public const string AdmissionQueued = "devicesync.gateway.admission.queued";
    public const string SiloLosses = "devicesync.gateway.silo_losses";
    public const string CallsResent = "devicesync.gateway.grain.resent_after_silo_loss";
    public const string EventSockets = "devicesync.gateway.events.sockets";
    public const string EventSubscriptions = "devicesync.gateway.events.subscriptions";
    public const string EventFrames = "devicesync.gateway.events.frames";
    public const string EventRenewals = "devicesync.gateway.events.renewals";
    public const string EventSubscriptionsLost = "devicesync.gateway.events.subscriptions_lost";
    public const string EventUpgrades = "devicesync.gateway.events.upgrades";
    public const string BlobSweepMissing = "devicesync.gateway.blobs.sweep.missing";
    public const string BlobSweepCopied = "devicesync.gateway.blobs.sweep.copied";
    public const string BlobSweepFailed = "devicesync.gateway.blobs.sweep.failed";
    public const string BlobSweepPasses = "devicesync.gateway.blobs.sweep.passes";
    public const string BlobBackupReconciled = "devicesync.gateway.blobs.backup.reconciled";

    public const string RouteTag = "http.route";
    public const string CodeTag = "http.response.status_code";
    public const string OperationTag = "devicesync.operation";
    public const string OpTag = "devicesync.op";
    public const string ReasonTag = "devicesync.reason";
    public const string TypeTag = "devicesync.type";
    public const string PathTag = "devicesync.path";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
}
