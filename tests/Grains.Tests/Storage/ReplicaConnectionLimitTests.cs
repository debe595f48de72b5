using System.Globalization;
using DeviceSync.Testing;
using Xunit.Abstractions;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// <c>Storage:MaxConnectionsPerReplica</c>: a replica that stops answering is not sent every pipelined append at once.
/// Under load a lagging Azurite was held open by 300+ connections from one silo, each request waiting there past its
/// time-out; the replica then did the work anyway, and the cluster's membership on replica 0 waited behind it
/// (docs/benchmarks.md, "A replica that falls behind is sent at most 8 requests at once").
/// </summary>
public sealed class ReplicaConnectionLimitTests(ITestOutputHelper output)
{
    private const int Streams = 8;

    /// <summary>
    /// Replica 1 is frozen (SIGSTOP: its port still accepts connections, nothing answers) while 8 streams append. The
    /// appends are acknowledged by replicas 0 and 2; their writes to replica 1 stay pending. Without a limit each pending
    /// write has a connection of its own to replica 1; with a limit of 2 the rest wait in the store and time out there.
    /// Then the replica answers again and the streams' next appends catch it up, with the limit still in force.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_hung_replica_is_held_by_no_more_connections_than_the_limit_and_still_catches_up(int limit)
    {
        await using var set = await AzuriteReplicaSet.StartAsync();
        var store = TestStores.Create(groupCommit: false, set.ConnectionStrings, replicaTimeout: TimeSpan.FromSeconds(3), maxConnectionsPerReplica: limit);
        var keys = Enumerable.Range(0, Streams).Select(_ => TestStores.NewKey()).ToArray();
        var streams = await Task.WhenAll(keys.Select(k => store.OpenAsync(k)));
        await Task.WhenAll(streams.Select(s => TestStores.AppendManyAsync(s, 2)));

        set[1].Pause();
        var most = 0;
        try
        {
            await Task.WhenAll(streams.Select(s => TestStores.AppendManyAsync(s, 3))); // W = 2 of the other two
            for (var i = 0; i < 10; i++)
            {
                most = Math.Max(most, ConnectionsTo(set[1].TablePort));
                await Task.Delay(100);
            }
        }
        finally
        {
            set[1].Resume();
        }

        output.WriteLine($"limit {limit}: at most {most} connections to the hung replica");

        if (limit == 0)
        {
            Assert.True(most >= Streams, $"without a limit every pending write holds a connection of its own (saw {most})");
        }
        else
        {
            Assert.InRange(most, 1, limit);
        }

        await Eventually.WaitAsync(
            async () =>
            {
                await Task.WhenAll(streams.Select(s => TestStores.AppendManyAsync(s, 1)));
                await Task.WhenAll(streams.Select(s => s.WhenReplicaWritesSettledAsync()));
                var held = await Task.WhenAll(keys.Select(k => TestStores.RowSequencesAsync(store, 1, k)));
                return held.Select((rows, i) => rows.SequenceEqual(TestStores.Range(1, streams[i].LastSequence))).All(x => x);
            },
            TestStores.Deadline,
            "replica 1 holds every stream's entries again");
    }

    /// <summary>
    /// TCP connections on this machine to a local port, open or being opened (Linux: /proc/net/tcp and tcp6 list every
    /// process's). Only this test's store talks to its own Azurite set, so here they are the store's.
    /// </summary>
    private static int ConnectionsTo(int port)
    {
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var count = 0;
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // fields[2] is the remote address:port, fields[3] the state: 01 established, 02 SYN sent.
                if (fields.Length > 3 && fields[2].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] is "01" or "02")
                {
                    count++;
                }
            }
        }

        return count;
    }
}
