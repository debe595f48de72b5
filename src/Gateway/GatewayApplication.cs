using DeviceSync.Gateway.Backups;
using DeviceSync.Gateway.Accounts;
using DeviceSync.Gateway.Admission;
using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Blobs;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Conflicts;
using DeviceSync.Gateway.Digests;
using DeviceSync.Gateway.Events;
using DeviceSync.Gateway.Health;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.RateLimiting;
using DeviceSync.Gateway.Sync;
using DeviceSync.Gateway.Telemetry;

namespace DeviceSync.Gateway;

/// <summary>The whole gateway host on one screen; used by Program.cs and by in-process tests.</summary>
public static class GatewayApplication
{
    /// <param name="configure">Runs after the gateway's registrations, so a caller can add configuration or replace services.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the app's folder, so appsettings.json is found whatever directory the gateway starts in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddCluster();
        builder.AddTelemetry();
        builder.AddDeviceAuth();
        builder.AddSync();
        builder.AddRateLimits();
        builder.AddAdmission();
        builder.AddAccounts();
        builder.AddAdmin();
        builder.AddEvents();
        builder.AddBlobs();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseProblems();
        app.UseRequestMetrics();
        app.UseAdmission();
        app.UseEvents();
        app.MapHealth();
        app.MapTelemetry();
        app.MapAccounts();
        app.MapDevices();
        app.MapSync();
        app.MapConflicts();
        app.MapAdmin();
        app.MapDigests();
        app.MapRestores();
        app.MapEvents();
        app.MapBlobs();
        return app;
    }
}
