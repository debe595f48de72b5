using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeviceSync.Gateway.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Tracing and metrics through OpenTelemetry; Prometheus scraping always, OTLP only when configured.</summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(TelemetryNames.ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource(TelemetryNames.ActivitySource, TelemetryNames.OrleansRuntimeSource, TelemetryNames.OrleansApplicationSource))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(TelemetryNames.Meter, TelemetryNames.OrleansMeter)
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[TelemetryNames.OtlpEndpointVariable]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Counts every request by route template and status code.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                context.RequestServices.GetRequiredService<GatewayMetrics>().Request(route, context.Response.StatusCode);
            }
        });
        return app;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
