using System.Text.Json;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Contracts.Replicas;
using DeviceSync.Contracts.Operations;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using Microsoft.Extensions.Options;
using Orleans.Metadata;
using Orleans.Runtime;

namespace DeviceSync.Gateway.Admin;

/// <summary><c>POST /v1/admin/provision</c>, <c>GET /v1/admin/cluster</c> and <c>GET /v1/admin/replicas</c>, behind <c>X-Admin-Key</c>.</summary>
public static class AdminEndpoints
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrEmpty(options.AdminKey))
                {
                    options.AdminKey = configuration[AdminOptions.AdminKeyVariable];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AdminKeyCheck>();
        return builder;
    }

    public static WebApplication MapAdmin(this WebApplication app)
    {
        app.MapPost("/v1/admin/provision", ProvisionAsync);
        app.MapGet("/v1/admin/cluster", ClusterAsync);
        app.MapGet("/v1/admin/replicas", ReplicasAsync);
        return app;
    }

    private static async Task<IResult> ProvisionAsync(
        HttpContext context, AdminKeyCheck keyCheck, GrainCalls calls, IOptions<AdminOptions> options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(AdminEndpoints).FullName!);
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        var body = await RequestBody.ReadAsync(context.Request, ProvisionRequestParser.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"The body is over {ProvisionRequestParser.MaxBodyBytes} bytes.");
        }

        var parsed = ProvisionRequestParser.Parse(body.Value);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var accounts = parsed.Value.Accounts;
        var provisionId = parsed.Value.ProvisionId;
        var credentials = new IReadOnlyList<DeviceCredential>[accounts.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.ProvisionParallelism, CancellationToken = context.RequestAborted };
        await Parallel.ForEachAsync(Enumerable.Range(0, accounts.Count), parallel, async (i, token) =>
        {
            credentials[i] = provisionId is null
                ? await calls.OnAccountAsync("Account.Provision", accounts[i].AccountId, a => a.ProvisionAsync(accounts[i].Devices), token)
                : await ProvisionOnceAsync(calls, accounts[i], provisionId, logger, token);
        });

        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("accounts");
            for (var i = 0; i < accounts.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("accountId", accounts[i].AccountId);
                writer.WriteStartArray("devices");
                foreach (var credential in credentials[i])
                {
                    writer.WriteStartObject();
                    writer.WriteString("deviceId", credential.DeviceId);
                    writer.WriteString("token", credential.Token);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// With a provision id the call is idempotent, so the gateway's own retries (and the caller's) are safe too. A silo of
    /// v0.1.0 (during a rolling upgrade) does not know the method and fails it, having changed nothing: then the account
    /// is provisioned the old way, without idempotency, rather than failing the operator's call (docs/protocol.md).
    /// </summary>
    private static async Task<IReadOnlyList<DeviceCredential>> ProvisionOnceAsync(
        GrainCalls calls, ProvisionAccount account, string provisionId, ILogger logger, CancellationToken token)
    {
        try
        {
            return await calls.OnAccountAsync("Account.ProvisionOnce", account.AccountId, a => a.ProvisionOnceAsync(provisionId, account.Devices), token);
        }
        catch (Exception e) when (e is TypeLoadException or MissingMethodException or NotImplementedException)
        {
            // Measured: an older silo answers TypeLoadException (it cannot load the new method's request type).
            Log.ProvisionOnceFellBack(logger, account.AccountId, e.GetType().Name);
            return await calls.OnAccountAsync("Account.Provision", account.AccountId, a => a.ProvisionAsync(account.Devices), token);
        }
    }

    private static async Task<IResult> ClusterAsync(HttpContext context, AdminKeyCheck keyCheck, GrainCalls calls, IClusterManifestProvider manifests)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        var hosts = await calls.OnManagementAsync("Management.GetDetailedHosts", m => m.GetDetailedHosts(onlyActive: false), context.RequestAborted);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var statistics = active.Length == 0
            ? []
            : await calls.OnManagementAsync("Management.GetRuntimeStatistics", m => m.GetRuntimeStatistics(active), context.RequestAborted);
        var activations = new Dictionary<SiloAddress, int>();
        for (var i = 0; i < active.Length && i < statistics.Length; i++)
        {
            activations[active[i]] = statistics[i].ActivationCount;
        }

        var manifest = manifests.Current;
        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("gateway");
            writer.WriteString("version", BuildInfo.Version);
            writer.WriteEndObject();
            writer.WriteStartArray("silos");
            foreach (var host in hosts.OrderBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("address", host.SiloAddress.ToString());
                writer.WriteString("name", host.SiloName);
                writer.WriteString("hostName", host.HostName);
                writer.WriteString("status", host.Status.ToString());
                writer.WriteString("startTime", JsonFormats.Timestamp(new DateTimeOffset(DateTime.SpecifyKind(host.StartTime, DateTimeKind.Utc))));
                // Each silo publishes its build in its grain manifest; null for a silo whose manifest this client has not
                // seen yet (it refreshes within seconds) or that is dead and gone from the manifest.
                if (SiloBuild(manifest, host.SiloAddress) is { } version)
                {
                    writer.WriteString("version", version);
                }
                else
                {
                    writer.WriteNull("version");
                }

                if (activations.TryGetValue(host.SiloAddress, out var count))
                {
                    writer.WriteNumber("activationCount", count);
                }
                else
                {
                    writer.WriteNull("activationCount");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>The storage replicas' health and the sweeper's progress (docs/operations.md, "Replica health and repair").</summary>
    private static async Task<IResult> ReplicasAsync(HttpContext context, AdminKeyCheck keyCheck, GrainCalls calls, IClusterClient cluster)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        var health = await calls.InvokeAsync(
            "Replicas.GetHealth", () => cluster.GetGrain<IReplicaSweeperGrain>(0).GetHealthAsync(), context.RequestAborted);
        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("observedAt", JsonFormats.Timestamp(health.ObservedAt));
            writer.WriteNumber("silosReporting", health.SilosReporting);
            writer.WriteStartArray("replicas");
            foreach (var replica in health.Replicas)
            {
                writer.WriteStartObject();
                writer.WriteNumber("replica", replica.Replica);
                writer.WriteString("state", replica.State.ToString().ToLowerInvariant());
                WriteStringOrNull(writer, "reason", replica.Reason);
                WriteTimestampOrNull(writer, "since", replica.Since);
                WriteNumberOrNull(writer, "streamsBehind", replica.StreamsBehind);
                if (replica.LastErrorAt is { } errorAt)
                {
                    writer.WriteStartObject("lastError");
                    writer.WriteString("at", JsonFormats.Timestamp(errorAt));
                    WriteStringOrNull(writer, "kind", replica.LastErrorKind);
                    WriteStringOrNull(writer, "silo", replica.LastErrorSilo);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteNull("lastError");
                }

                writer.WriteNumber("repairsWritten", replica.RepairsWritten);
                WriteStringOrNull(writer, "layout", replica.Layout);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            var sweep = health.Sweep;
            writer.WriteStartObject("sweep");
            writer.WriteBoolean("enabled", sweep.Enabled);
            writer.WriteBoolean("running", sweep.Running);
            WriteStringOrNull(writer, "silo", sweep.Silo);
            WriteTimestampOrNull(writer, "startedAt", sweep.StartedAt);
            writer.WriteNumber("streamsTotal", sweep.StreamsTotal);
            writer.WriteNumber("streamsChecked", sweep.StreamsChecked);
            writer.WriteNumber("streamsBehind", sweep.StreamsBehind);
            writer.WriteNumber("streamsRepaired", sweep.StreamsRepaired);
            writer.WriteNumber("repairsFailed", sweep.RepairsFailed);
            WriteTimestampOrNull(writer, "lastCompletedAt", sweep.LastCompletedAt);
            WriteNumberOrNull(writer, "lastDurationMs", sweep.LastDuration is { } duration ? (long)duration.TotalMilliseconds : null);
            WriteStringOrNull(writer, "lastOutcome", sweep.LastOutcome);
            writer.WriteStartArray("lastHealed");
            foreach (var healed in sweep.LastHealed)
            {
                writer.WriteNumberValue(healed);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteTimestampOrNull(Utf8JsonWriter writer, string name, DateTimeOffset? value) =>
        WriteStringOrNull(writer, name, value is { } at ? JsonFormats.Timestamp(at) : null);

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string? SiloBuild(ClusterManifest manifest, SiloAddress silo) =>
        manifest.Silos.TryGetValue(silo, out var grains)
            ? grains.Grains.Values.Select(p => p.Properties.GetValueOrDefault(BuildInfo.ManifestProperty)).FirstOrDefault(v => v is not null)
            : null;
}
