namespace DeviceSync.Ops.Rollout;

/// <summary>One silo process as the rollout replaces it: stop it gracefully, start the new build with the same settings.</summary>
public interface ISiloInstance
{
    string Name { get; }

    /// <summary>The silo's own HTTP address (its <c>/readyz</c> says when it has joined the cluster).</summary>
    Uri HttpAddress { get; }

    /// <summary>SIGTERM, then waits up to <paramref name="grace"/> for the exit (the silo hands its grains over);
    /// kills it after that. Returns false if it had to be killed.</summary>
    Task<bool> StopAsync(TimeSpan grace, CancellationToken ct);

    /// <summary>Starts the silo from <paramref name="buildDirectory"/> (which holds DeviceSync.Silo.dll) with the same settings.</summary>
    Task StartAsync(string buildDirectory, CancellationToken ct);
}
