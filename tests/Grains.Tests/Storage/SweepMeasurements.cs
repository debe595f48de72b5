using System.Diagnostics;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;
using Xunit.Abstractions;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// How long a sweep takes to refill a wiped replica (figures in docs/operations.md). A measurement, not a test: it runs
/// only with DEVICESYNC_MEASURE=1, so the suite never asserts a timing.
/// <code>DEVICESYNC_MEASURE=1 dotnet test tests/Grains.Tests -c Release --filter "FullyQualifiedName~SweepMeasurements" --logger "console;verbosity=detailed"</code>
/// </summary>
public sealed class SweepMeasurements(ITestOutputHelper output)
{
    [Theory]
    [InlineData(200, 20, 1)]
    [InlineData(200, 20, 4)]
    [InlineData(20, 300, 1)]
    [InlineData(20, 300, 4)]
    public async Task Refill_of_a_wiped_replica(int streams, int entriesPerStream, int concurrentRepairs)
    {
        if (Environment.GetEnvironmentVariable("DEVICESYNC_MEASURE") != "1")
        {
            return;
        }

        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(set.ConnectionStrings);
        var keys = Enumerable.Range(0, streams).Select(i => TestStores.NewKey("m" + i)).ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, token) =>
            await TestStores.AppendManyAsync(await store.OpenAsync(key, token), entriesPerStream, size: 512));

        var idle = TestStores.Sweeper(store);
        var clock = Stopwatch.StartNew();
        await idle.SweepAsync();
        output.WriteLine($"{streams} streams x {entriesPerStream} entries: a sweep with nothing to repair took {clock.Elapsed.TotalSeconds:F2} s");

        await set[1].WipeAsync();
        var sweeper = TestStores.Sweeper(TestStores.Reopen(store), maxConcurrentRepairs: concurrentRepairs);
        clock.Restart();
        var healed = await sweeper.SweepAsync();
        output.WriteLine(
            $"{streams} streams x {entriesPerStream} entries ({streams * entriesPerStream} entries of 512 bytes), {concurrentRepairs} repairs at once: refilling the wiped replica took " +
            $"{clock.Elapsed.TotalSeconds:F2} s, {sweeper.Progress.StreamsRepaired} streams repaired, healed [{string.Join(",", healed)}]");
        Assert.Equal(new[] { 1 }, healed);
    }
}
