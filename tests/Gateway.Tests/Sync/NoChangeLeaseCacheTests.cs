using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Sync;
using DeviceSync.Gateway.Telemetry;
using DeviceSync.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace DeviceSync.Gateway.Tests.Sync;

/// <summary>The gateway's side of no-change leases (docs/adr/0014-no-change-leases.md), on a clock the test moves.</summary>
public sealed class NoChangeLeaseCacheTests
{
    private static readonly DeviceIdentity Phone = new("acct-lease", "dev-phone");
    private static readonly DeviceIdentity Laptop = new("acct-lease", "dev-laptop");
    private static readonly SyncCollectionPart Poll = new("notes", 7, 100, []);
    private static readonly SyncCollectionResult Granted = new() { Cursor = 7, LeaseMilliseconds = 1000 };

    private readonly ManualTimeProvider _clock = new();
    private readonly NoChangeLeaseCache _cache;

    public NoChangeLeaseCacheTests()
    {
        _cache = Create(_clock, new NoChangeLeaseOptions());
    }

    [Fact]
    public void A_granted_lease_answers_the_same_poll_with_no_changes_at_its_cursor()
    {
        _cache.Keep(Phone, Poll, _cache.Now(), Granted);

        var answer = _cache.TryAnswer(Phone, Poll);

        Assert.NotNull(answer);
        Assert.Equal(7, answer.Cursor);
        Assert.Empty(answer.Results);
        Assert.Empty(answer.Changes);
        Assert.False(answer.HasMore);
        Assert.Null(answer.Resync);
        Assert.Null(answer.Refused);
    }

    [Fact]
    public void A_lease_answers_only_its_own_device_cursor_collection_and_history_generation()
    {
        _cache.Keep(Phone, Poll, _cache.Now(), Granted);

        Assert.Null(_cache.TryAnswer(Laptop, Poll));
        Assert.Null(_cache.TryAnswer(Phone, Poll with { Cursor = 6 }));
        Assert.Null(_cache.TryAnswer(Phone, Poll with { Cursor = null }));
        Assert.Null(_cache.TryAnswer(Phone, Poll with { Name = "tasks" }));
        Assert.Null(_cache.TryAnswer(Phone with { AccountId = "acct-other" }, Poll));
        Assert.Null(_cache.TryAnswer(Phone with { HistoryLossGeneration = 1 }, Poll));
        Assert.NotNull(_cache.TryAnswer(Phone, Poll));
    }

    [Fact]
    public void Requests_that_send_something_are_never_answered_from_a_lease_nor_ask_for_one()
    {
        _cache.Keep(Phone, Poll, _cache.Now(), Granted);
        var put = Poll with { Mutations = [new Mutation { Id = 1, Op = MutationOp.Put, ItemId = "n1" }] };
        var confirm = Poll with { ConfirmMassDelete = true };
        var readmitted = Phone with { Readmitted = true };

        Assert.Null(_cache.TryAnswer(Phone, put));
        Assert.Null(_cache.TryAnswer(Phone, confirm));
        Assert.Null(_cache.TryAnswer(readmitted, Poll));
        Assert.Null(_cache.HolderFor(Phone, put));
        Assert.Null(_cache.HolderFor(Phone, confirm));
        Assert.Null(_cache.HolderFor(readmitted, Poll));
        Assert.Null(_cache.HolderFor(Phone, Poll with { Cursor = null }));
    }

    [Fact]
    public void A_lease_ends_when_its_time_counted_from_the_request_is_up()
    {
        var sentAt = _cache.Now();
        _clock.Advance(TimeSpan.FromMilliseconds(300)); // the grain took this long to answer
        _cache.Keep(Phone, Poll, sentAt, Granted);

        _clock.Advance(TimeSpan.FromMilliseconds(699));
        Assert.NotNull(_cache.TryAnswer(Phone, Poll));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(_cache.TryAnswer(Phone, Poll));
    }

    [Fact]
    public async Task A_revocation_ends_every_lease_of_the_collection_and_no_other()
    {
        var tasks = Poll with { Name = "tasks" };
        _cache.Keep(Phone, Poll, _cache.Now(), Granted);
        _cache.Keep(Laptop, Poll, _cache.Now(), Granted);
        _cache.Keep(Phone, tasks, _cache.Now(), Granted);

        await ((ISyncLeaseHolder)_cache).RevokeAsync(Phone.AccountId, "notes");

        Assert.Null(_cache.TryAnswer(Phone, Poll));
        Assert.Null(_cache.TryAnswer(Laptop, Poll));
        Assert.NotNull(_cache.TryAnswer(Phone, tasks));
    }

    [Fact]
    public async Task A_grant_for_a_request_sent_before_a_revocation_is_dropped_even_if_it_arrives_after_it()
    {
        // The grain answered (and granted) before a commit, but its revocation overtook the answer on the way back.
        var sentAt = _cache.Now();
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        await ((ISyncLeaseHolder)_cache).RevokeAsync(Phone.AccountId, "notes");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        _cache.Keep(Phone, Poll, sentAt, Granted);
        Assert.Null(_cache.TryAnswer(Phone, Poll));

        // A request sent after the revocation earns its lease as usual.
        _cache.Keep(Phone, Poll, _cache.Now(), Granted);
        Assert.NotNull(_cache.TryAnswer(Phone, Poll));
    }

    [Fact]
    public void No_lease_is_kept_when_the_grain_granted_none_or_answered_another_cursor()
    {
        _cache.Keep(Phone, Poll, _cache.Now(), Granted with { LeaseMilliseconds = 0 });
        Assert.Null(_cache.TryAnswer(Phone, Poll));
        _cache.Keep(Phone, Poll, _cache.Now(), Granted with { Cursor = 8 });
        Assert.Null(_cache.TryAnswer(Phone, Poll));
        Assert.Null(_cache.TryAnswer(Phone, Poll with { Cursor = 8 }));
    }

    [Fact]
    public void Full_the_cache_is_cleared_and_grants_asked_for_before_that_are_dropped()
    {
        var cache = Create(_clock, new NoChangeLeaseOptions { MaxCollections = 2 });
        var early = cache.Now();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        cache.Keep(Phone, Poll, cache.Now(), Granted);
        cache.Keep(Phone, Poll with { Name = "tasks" }, cache.Now(), Granted);
        Assert.Equal(2, cache.Count);

        cache.Keep(Phone, Poll with { Name = "photos" }, cache.Now(), Granted); // would be the third: clears instead
        Assert.Equal(0, cache.Count);
        Assert.Null(cache.TryAnswer(Phone, Poll));

        // A revocation may have been lost with the clear: a grant asked for before it cannot be trusted.
        cache.Keep(Phone, Poll, early, Granted);
        Assert.Null(cache.TryAnswer(Phone, Poll));
    }

    [Fact]
    public void Turned_off_it_neither_asks_for_leases_nor_answers()
    {
        var cache = Create(_clock, new NoChangeLeaseOptions { Enabled = false });
        cache.Keep(Phone, Poll, cache.Now(), Granted);

        Assert.Null(cache.HolderFor(Phone, Poll));
        Assert.Null(cache.TryAnswer(Phone, Poll));
    }

    private static NoChangeLeaseCache Create(TimeProvider clock, NoChangeLeaseOptions options)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new NoChangeLeaseCache(null!, clock, Options.Create(options), new GatewayMetrics(meters));
    }
}
