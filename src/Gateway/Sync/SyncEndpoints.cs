using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Telemetry;

namespace DeviceSync.Gateway.Sync;

/// <summary><c>POST /v1/sync</c>: validate everything, then sync each collection with its grain, in parallel.</summary>
public static class SyncEndpoints
{
    public static WebApplicationBuilder AddSync(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NoChangeLeaseOptions>()
            .BindConfiguration(NoChangeLeaseOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<NoChangeLeaseCache>();
        return builder;
    }

    public static WebApplication MapSync(this WebApplication app)
    {
        app.MapPost("/v1/sync", SyncAsync).RequireDevice();
        return app;
    }

    private static async Task<IResult> SyncAsync(
        HttpContext context,
        GrainCalls calls,
        NoChangeLeaseCache leases,
        GatewayMetrics metrics,
        TimeProvider time)
    {
        var device = context.Device();
        var body = await RequestBody.ReadAsync(context.Request, SyncLimits.MaxSyncBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"A sync body is at most {SyncLimits.MaxSyncBodyBytes} bytes.");
        }

        var parsed = SyncRequestParser.Parse(body.Value);
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var started = time.GetTimestamp();
        var parts = parsed.Value.Collections;
        using var activity = GatewayMetrics.ActivitySource.StartActivity("sync");
        activity?.SetTag("devicesync.collections", parts.Count);
        metrics.MutationsReceived(parts.Sum(p => (long)p.Mutations.Count));

        var results = await Task.WhenAll(parts.Select(part => SyncCollectionAsync(calls, leases, device, part, context.RequestAborted)));
        foreach (var result in results)
        {
            SyncResponseWriter.EnsureWritable(result);
        }

        metrics.SyncServed(time.GetElapsedTime(started));
        return new JsonBodyResult(StatusCodes.Status200OK, (writer, flushIfLarge) => SyncResponseWriter.WriteAsync(writer, parts, results, flushIfLarge));
    }

    private static async Task<SyncCollectionResult> SyncCollectionAsync(
        GrainCalls calls,
        NoChangeLeaseCache leases,
        DeviceIdentity device,
        SyncCollectionPart part,
        CancellationToken cancellationToken)
    {
        if (leases.TryAnswer(device, part) is { } answered)
        {
            return answered;
        }

        var request = new SyncCollectionRequest
        {
            DeviceId = device.DeviceId,
            Cursor = part.Cursor,
            Limit = part.Limit,
            Mutations = part.Mutations,
            ConfirmMassDelete = part.ConfirmMassDelete,
            DeviceReadmitted = device.Readmitted,
            HistoryLossGeneration = device.HistoryLossGeneration,
            LeaseHolder = leases.HolderFor(device, part),
        };

        // Taken before the first attempt: a lease counts from the earliest moment the grain could have answered.
        var sentAt = leases.Now();
        var result = await calls.OnCollectionAsync("Collection.Sync", device.AccountId, part.Name, c => c.SyncAsync(request), cancellationToken);
        leases.Keep(device, part, sentAt, result);
        return result;
    }
}
