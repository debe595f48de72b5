namespace DeviceSync.Ops.Rollout;

/// <summary>
/// One silo or gateway process as the rollout replaces it: stop it gracefully, start the new build with the same
/// settings.
/// </summary>
public interface IServiceInstance
{
    string Name { get; }

    /// <summary>The process's own HTTP address (its <c>/readyz</c> says when it serves: a silo has joined the
    /// cluster, a gateway reaches it).</summary>
    Uri HttpAddress { get; }

    /// <summary>SIGTERM, then waits up to <paramref name="grace"/> for the exit (a silo hands its grains over, a gateway
    /// finishes the requests it has); kills it after that. Returns false if it had to be killed.</summary>
    Task<bool> StopAsync(TimeSpan grace, CancellationToken ct);

    /// <summary>Starts the process from <paramref name="buildDirectory"/> (which holds its assembly) with the same settings.</summary>
    Task StartAsync(string buildDirectory, CancellationToken ct);
}
