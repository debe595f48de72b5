using System.Collections.Concurrent;
using System.Diagnostics;
using DeviceSync.Contracts;
using DeviceSync.Grains.Storage;
using DeviceSync.Grains.Telemetry;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>One trace follows a request from the caller through the grain to every storage replica write.</summary>
public sealed class TracingTests(GrainCluster cluster) : IClassFixture<GrainCluster>
{
    private static readonly ActivitySource TestSource = new("DeviceSync.Tests");

    [Fact]
    public async Task A_sync_traces_from_the_caller_through_the_grain_to_each_replica_write()
    {
        var seen = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = seen.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var grain = cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(NewAccount(), "calendar"));
        ActivityTraceId traceId;
        using (var request = TestSource.StartActivity("device request"))
        {
            Assert.NotNull(request);
            traceId = request.TraceId;
            await grain.SyncAsync(Request("dev-a", null, Put(1, "e-1", """{"title":"standup"}""")));
        }

        var inTrace = seen.Where(a => a.TraceId == traceId).ToList();
        Assert.Contains(inTrace, a => a.Source.Name == GrainTelemetry.SourceName && a.OperationName == "collection.sync");
        Assert.Contains(inTrace, a => a.Source.Name == StorageTelemetry.ActivitySourceName && a.OperationName == "journal.append");
        var replicaWrites = inTrace.Where(a => a.OperationName == "journal.append.replica").ToList();
        Assert.True(replicaWrites.Count >= 2, $"expected a span per replica write, saw {replicaWrites.Count}");
    }
}
