using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeviceSync.Silo.Telemetry;

public static class SiloTelemetryExtensions
{
    /// <summary>Orleans runtime and application spans, the grains' and storage's own sources and meters, .NET runtime metrics (heap size per grain is a scale figure); Prometheus always, OTLP when configured.</summary>
    public static WebApplicationBuilder AddDeviceSyncSiloTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("devicesync-silo"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(TelemetryNames.OrleansRuntimeSource, TelemetryNames.OrleansApplicationSource, GrainTelemetry.SourceName, StorageTelemetry.ActivitySourceName)
                    .AddAspNetCoreInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TelemetryNames.OrleansMeter, GrainTelemetry.MeterName, StorageTelemetry.MeterName, TelemetryNames.DotNetRuntimeMeter)
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
