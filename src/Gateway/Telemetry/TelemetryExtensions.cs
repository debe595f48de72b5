using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeviceSync.Gateway.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Metrics through OpenTelemetry, Prometheus scraping always; tracing and OTLP only when an OTLP endpoint is configured.</summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(TelemetryNames.ServiceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(TelemetryNames.Meter, TelemetryNames.OrleansMeter)
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[TelemetryNames.OtlpEndpointVariable]))
        {
            // Traces only where they can go. A tracer without an exporter still listens to every source, so each
            // request built ASP.NET Core's activity, ours and one per grain call (whose trace context Orleans then
            // copies into the call's RequestContext for the silo to build its own) for nobody to read: about a
            // tenth of what a no-change sync allocated in the gateway (docs/benchmarks.md).
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.EnrichWithHttpRequest = RedactAccessToken)
                .AddSource(TelemetryNames.ActivitySource, TelemetryNames.OrleansRuntimeSource, TelemetryNames.OrleansApplicationSource));
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// The instrumentation already replaces query values with "Redacted", unless an environment variable turns that off;
    /// a device token (<c>/v1/events?access_token=</c>) must never reach a trace either way.
    /// </summary>
    private static void RedactAccessToken(System.Diagnostics.Activity activity, HttpRequest request)
    {
        if (request.Query.ContainsKey("access_token"))
        {
            activity.SetTag("url.query", "?access_token=Redacted");
        }
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
