using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using Orleans.Runtime;

namespace DeviceSync.Gateway.Health;

/// <summary><c>/healthz</c>: the process is alive. <c>/readyz</c>: the Orleans client reaches the cluster.</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(2);

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "alive");
            writer.WriteEndObject();
        }));
        app.MapGet("/readyz", ReadyAsync);
        return app;
    }

    private static async Task<IResult> ReadyAsync(IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        int silos;
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken).WaitAsync(ReadyTimeout, time, cancellationToken);
            silos = hosts.Count;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ProblemResults.Unavailable("The gateway cannot reach the cluster.");
        }

        if (silos == 0)
        {
            return ProblemResults.Unavailable("The cluster has no active silo.");
        }

        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "ready");
            writer.WriteNumber("silos", silos);
            writer.WriteEndObject();
        });
    }
}
