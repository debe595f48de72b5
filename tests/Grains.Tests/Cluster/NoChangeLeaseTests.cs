using System.Collections.Concurrent;
using System.Diagnostics;
using DeviceSync.Contracts;
using DeviceSync.Contracts.Sync;
using static DeviceSync.Grains.Tests.Cluster.Requests;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>
/// The grain's side of no-change leases (docs/adr/0014-no-change-leases.md) on a real 2-silo cluster with Azurite
/// storage: which answers earn a lease, that a commit is acknowledged only after every holder confirmed the revocation,
/// and that a holder which cannot confirm is waited out to the end of its lease rather than blocking or being ignored.
/// </summary>
public sealed class NoChangeLeaseTests(GrainCluster cluster) : IClassFixture<GrainCluster>
{
    /// <summary>SyncPolicy.NoChangeLease's default, which the test cluster keeps.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Only_a_poll_at_the_head_that_changes_nothing_earns_a_lease()
    {
        var (grain, holder, head) = await CollectionWithOneItemAsync();

        var atHead = await grain.SyncAsync(Request("dev-b", head) with { LeaseHolder = holder.Id });
        var behind = await grain.SyncAsync(Request("dev-b", 0) with { LeaseHolder = holder.Id });
        var fromNull = await grain.SyncAsync(Request("dev-b", null) with { LeaseHolder = holder.Id });
        var ahead = await grain.SyncAsync(Request("dev-b", head + 5) with { LeaseHolder = holder.Id });
        var noHolder = await grain.SyncAsync(Request("dev-b", head));

        Assert.Equal((int)Lease.TotalMilliseconds, atHead.LeaseMilliseconds);
        Assert.Equal(head, atHead.Cursor);
        Assert.Empty(atHead.Changes);
        Assert.Equal(0, behind.LeaseMilliseconds);   // it has changes to pull
        Assert.Single(behind.Changes);
        Assert.Equal(0, fromNull.LeaseMilliseconds);
        Assert.NotNull(ahead.Resync);                 // server-behind: never leased
        Assert.Equal(0, ahead.LeaseMilliseconds);
        Assert.Equal(0, noHolder.LeaseMilliseconds);
    }

    [Fact]
    public async Task A_write_is_acknowledged_only_after_the_holder_confirmed_the_revocation()
    {
        var (grain, holder, head) = await CollectionWithOneItemAsync();
        var account = CollectionKey.Parse(grain.GetPrimaryKeyString()).AccountId;
        for (var round = 1; round <= 5; round++)
        {
            var polled = await grain.SyncAsync(Request("dev-b", head) with { LeaseHolder = holder.Id });
            Assert.True(polled.LeaseMilliseconds > 0);
            var revokedBefore = holder.Revocations(account, "notes");

            var written = await grain.SyncAsync(Request("dev-a", head, Put(100 + round, $"n{round}", "{}")));

            Assert.Equal(MutationStatus.Applied, Assert.Single(written.Results).Status);
            Assert.Equal(revokedBefore + 1, holder.Revocations(account, "notes"));
            head = written.Cursor!.Value;
        }

        // No lease is live now: a commit does not call the holder again.
        var revoked = holder.Revocations(account, "notes");
        await grain.SyncAsync(Request("dev-a", head, Put(200, "n-last", "{}")));
        Assert.Equal(revoked, holder.Revocations(account, "notes"));
    }

    [Fact]
    public async Task A_holder_that_cannot_confirm_is_waited_out_to_the_end_of_its_lease()
    {
        var (grain, holder, head) = await CollectionWithOneItemAsync();
        holder.Fail = true;

        var sent = Stopwatch.GetTimestamp();
        var polled = await grain.SyncAsync(Request("dev-b", head) with { LeaseHolder = holder.Id });
        Assert.True(polled.LeaseMilliseconds > 0);
        var written = await grain.SyncAsync(Request("dev-a", head, Put(50, "n2", "{}")));

        // The grain granted after `sent`, so its lease (with the margin for clock rates) ended at least this long after it.
        Assert.Equal(MutationStatus.Applied, Assert.Single(written.Results).Status);
        Assert.True(Stopwatch.GetElapsedTime(sent) >= Lease, $"acknowledged {Stopwatch.GetElapsedTime(sent)} after the lease was asked for");
    }

    private async Task<(ICollectionGrain Grain, Holder Holder, long Head)> CollectionWithOneItemAsync()
    {
        var grain = cluster.Grains.GetGrain<ICollectionGrain>(CollectionKey.Format(NewAccount(), "notes"));
        var put = await grain.SyncAsync(Request("dev-a", null, Put(1, "n1", "{\"t\":1}")));
        var holder = new Holder();
        holder.Reference = cluster.Grains.CreateObjectReference<ISyncLeaseHolder>(holder);
        return (grain, holder, put.Cursor!.Value);
    }

    /// <summary>A gateway's side that counts revocations, or fails them.</summary>
    private sealed class Holder : ISyncLeaseHolder
    {
        private readonly ConcurrentDictionary<(string, string), int> _revocations = new();

        public ISyncLeaseHolder Reference { get; set; } = null!;

        public GrainId Id => Reference.GetGrainId();

        public bool Fail { get; set; }

        public int Revocations(string account, string collection) => _revocations.GetValueOrDefault((account, collection));

        public Task RevokeAsync(string accountId, string collection)
        {
            if (Fail)
            {
                throw new InvalidOperationException("this gateway cannot confirm");
            }

            _revocations.AddOrUpdate((accountId, collection), 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }
}
