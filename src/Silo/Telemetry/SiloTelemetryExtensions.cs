using DeviceSync.Grains.Backup;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeviceSync.Silo.Telemetry;

public static class SiloTelemetryExtensions
{
    /// <summary>Orleans's, the grains', storage's and .NET's runtime meters (heap size per grain is a scale figure) with Prometheus always; with OTLP configured, their spans too, and OTLP export of both.</summary>
    public static WebApplicationBuilder AddDeviceSyncSiloTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("devicesync-silo"));
        if (otlp)
        {
            // Traces only where they can go: a tracer without an exporter still builds an activity (with tags)
            // for every grain call and storage request, for nobody to read (see the gateway's AddTelemetry).
            otel.WithTracing(tracing => tracing
                .AddSource(TelemetryNames.OrleansRuntimeSource, TelemetryNames.OrleansApplicationSource, GrainTelemetry.SourceName, StorageTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(TelemetryNames.OrleansMeter, GrainTelemetry.MeterName, StorageTelemetry.MeterName, BackupTelemetry.MeterName, TelemetryNames.DotNetRuntimeMeter)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter();
            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });
        return builder;
    }

    public static WebApplication MapSiloMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
