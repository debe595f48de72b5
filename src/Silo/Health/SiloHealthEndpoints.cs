using Orleans.Runtime;

namespace DeviceSync.Silo.Health;

public static class SiloHealthEndpoints
{
    /// <summary><c>/healthz</c>: the process is alive. <c>/readyz</c>: this silo is an active member of the cluster.</summary>
    public static WebApplication MapSiloHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (ILocalSiloDetails local, IClusterMembershipService membership) =>
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return status == SiloStatus.Active
                ? Results.Text("ready")
                : Results.Text($"not ready: {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
