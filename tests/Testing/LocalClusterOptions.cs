namespace DeviceSync.Testing;

public sealed class LocalClusterOptions
{
    public int Silos { get; init; } = 2;

    public int Replicas { get; init; } = 3;

    /// <summary>Start a fourth Azurite as the backup store (<c>Backup:ConnectionString</c>), as run.sh does.</summary>
    public bool Backup { get; init; } = true;

    /// <summary>The silo build to start (its DeviceSync.Silo.dll); null: this repository's build.</summary>
    public string? SiloAssembly { get; init; }

    /// <summary>The gateway's admin key; null starts a gateway with the admin routes closed.</summary>
    public string? AdminKey { get; init; } = "local-cluster-admin-key";

    /// <summary>Starts the silos with <c>Auth:Readmission:Enabled</c> (every cluster gets a random token key either way).</summary>
    public bool Readmission { get; init; }

    /// <summary>
    /// Keeps the cluster's membership table in an Azurite of its own instead of replica 0's, as production keeps it in
    /// its own account: for tests that wipe every replica (the membership table would go with replica 0).
    /// </summary>
    public bool MembershipOutsideReplicas { get; init; }

    /// <summary>
    /// Storage replicas (and the backup store) keep their data in memory only (<see cref="AzuriteProcess.InMemory"/>):
    /// for scale measurements, where the emulator's periodic rewrite of its whole database file would be what is measured.
    /// </summary>
    public bool InMemoryStorage { get; init; }

    /// <summary>Extra <c>--Key=Value</c> settings for every silo.</summary>
    public IReadOnlyDictionary<string, string> SiloSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra <c>--Key=Value</c> settings for the gateway.</summary>
    public IReadOnlyDictionary<string, string> GatewaySettings { get; init; } = new Dictionary<string, string>();
}
