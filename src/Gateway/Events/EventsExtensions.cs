using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Events;

public static class EventsExtensions
{
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventsOptions>()
            .BindConfiguration(EventsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<EventHub>();
        builder.Services.AddOptions<WebSocketOptions>().Configure<IOptions<EventsOptions>>((sockets, events) =>
        {
            sockets.KeepAliveInterval = events.Value.KeepAliveInterval;
            sockets.KeepAliveTimeout = events.Value.KeepAliveTimeout;
        });
        builder.Services.AddHostedService<EventSubscriptionRenewer>();

        // On every endpoint Kestrel listens on (URLs, configuration or code), ahead of its HTTP handler. Built when
        // Kestrel binds, after the options were validated. On a TLS endpoint Kestrel adds its TLS middleware after
        // this one, so the peek sees a TLS handshake, never "GET ", and passes the connection on at once: the fast
        // path serves plain-HTTP listeners (TLS ends at the ingress, docs/deploy.md), the route serves TLS.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => EventsConnectionMiddleware.Create(next, listen.ApplicationServices))));

        // ASP.NET Core's "Request starting/finished" lines carry the query string, which on /v1/events may hold a
        // device's token (?access_token=). They are Information in that category: keep it at Warning whatever the
        // configuration says, so no log level an operator picks writes a token (added after the configuration's
        // rules, so this one wins for the category).
        builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.Warning);
        return builder;
    }

    /// <summary>WebSockets with server pings, and the sockets closed (1001) when the gateway stops so devices move on at once.</summary>
    public static WebApplication UseEvents(this WebApplication app)
    {
        // Options come from DI, read at the first request: a bad Events:* setting stops the start (ValidateOnStart),
        // never the build.
        app.UseWebSockets();

        // Kestrel waits for open requests before it stops, and a socket is one that never ends by itself. Resolved
        // here only: a gateway that never started has no hub to close.
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<EventHub>().CloseAll());
        return app;
    }
}
