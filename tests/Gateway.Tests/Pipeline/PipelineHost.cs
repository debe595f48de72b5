using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>
/// The real gateway (GatewayApplication.Build, Kestrel on a loopback port, real HTTP) with the Orleans client
/// replaced by <see cref="FakeCluster"/>: tests the HTTP pipeline — auth, validation, problems, retries — without a cluster.
/// </summary>
public sealed class PipelineHost : IAsyncLifetime
{
    public const string AdminKey = "pipeline-admin-key";

    private WebApplication? _app;

    public FakeCluster Cluster { get; private set; } = null!;

    public HttpClient Http { get; private set; } = new();

    public async Task InitializeAsync()
    {
        var (client, state) = FakeCluster.Create();
        Cluster = state;
        _app = GatewayApplication.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:MembershipConnectionString"] = "UseDevelopmentStorage=true",
                ["Cluster:RetryBudget"] = "00:00:00.300",
                ["Gateway:AdminKey"] = AdminKey,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            var orleansServices = builder.Services
                .Where(d => d.ServiceType == typeof(IHostedService) && IsOrleans(d))
                .ToList();
            foreach (var descriptor in orleansServices)
            {
                builder.Services.Remove(descriptor);
            }

            builder.Services.AddSingleton(client);
            builder.Services.AddSingleton<IGrainFactory>(client);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static bool IsOrleans(ServiceDescriptor descriptor)
    {
        var type = descriptor.ImplementationType
            ?? descriptor.ImplementationInstance?.GetType()
            ?? descriptor.ImplementationFactory?.Method.DeclaringType;
        return type?.Assembly.GetName().Name?.StartsWith("Orleans", StringComparison.Ordinal) == true;
    }
}
