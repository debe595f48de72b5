using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>
/// The real gateway (GatewayApplication.Build, Kestrel on a loopback port, real HTTP) with the Orleans client
/// replaced by <see cref="FakeCluster"/>: the HTTP pipeline — auth, validation, problems, retries — without a cluster.
/// </summary>
public sealed class PipelineGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PipelineGateway(WebApplication app, FakeCluster cluster, HttpClient http)
    {
        _app = app;
        Cluster = cluster;
        Http = http;
    }

    public FakeCluster Cluster { get; }

    public HttpClient Http { get; }

    public static async Task<PipelineGateway> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var (client, state) = FakeCluster.Create();
        var app = GatewayApplication.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            var all = new Dictionary<string, string?>
            {
                ["Cluster:MembershipConnectionString"] = "UseDevelopmentStorage=true",
                // Generous, so a retried call is never cut short on a loaded machine; no test here waits the budget out.
                ["Cluster:RetryBudget"] = "00:00:10",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(all);
            foreach (var descriptor in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && IsOrleans(d)).ToList())
            {
                builder.Services.Remove(descriptor);
            }

            builder.Services.AddSingleton(client);
            builder.Services.AddSingleton<IGrainFactory>(client);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PipelineGateway(app, state, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool IsOrleans(ServiceDescriptor descriptor)
    {
        var type = descriptor.ImplementationType
            ?? descriptor.ImplementationInstance?.GetType()
            ?? descriptor.ImplementationFactory?.Method.DeclaringType;
        return type?.Assembly.GetName().Name?.StartsWith("Orleans", StringComparison.Ordinal) == true;
    }
}
