namespace DeviceSync.Gateway.Tests.Api;

/// <summary>
/// A whole local cluster for API tests: three Azurite replicas, two silos and the real gateway on a loopback
/// port, reached over real HTTP. PLACEHOLDER: the integration step replaces the body; tests use only the members here.
/// </summary>
public sealed class ApiCluster : IAsyncLifetime
{
    public const string TestAdminKey = "api-tests-admin-key";

    /// <summary>An HttpClient whose BaseAddress is the gateway (http://127.0.0.1:port/).</summary>
    public HttpClient Http { get; private set; } = new();

    public string AdminKey => TestAdminKey;

    /// <summary>A fresh, unique account id for one test (valid per PROTOCOL.md).</summary>
    public static string NewAccountId(string hint = "t") =>
        $"{hint}-{Guid.NewGuid():N}"[..Math.Min(40, hint.Length + 33)].ToLowerInvariant();

    public Task InitializeAsync() => throw new NotImplementedException("ApiCluster is wired in the integration step.");

    public Task DisposeAsync() => Task.CompletedTask;
}
