using DeviceSync.Contracts.Sync;
using DeviceSync.Grains.Sync;
using static DeviceSync.Grains.Tests.Sync.Mutations;

namespace DeviceSync.Grains.Tests.Sync;

public sealed class RequestGuardTests
{
    private const string Phone = "phone";

    [Fact]
    public void A_malformed_mutation_rejects_the_whole_request_before_anything_is_decided()
    {
        var harness = new LedgerHarness();
        harness.Push(Phone, Put(1, "a"));
        var before = CollectionCodec.EncodeSnapshot(harness.Ledger);
        var request = new SyncCollectionRequest
        {
            DeviceId = Phone,
            Mutations = [Put(2, "b"), new Mutation { Id = 3, Op = MutationOp.Put, ItemId = "c" }],
        };

        Assert.Throws<ArgumentException>(() => harness.Ledger.Plan(request, harness.Now));
        Assert.Equal(before, CollectionCodec.EncodeSnapshot(harness.Ledger));
    }

    public static TheoryData<string, SyncCollectionRequest> MalformedRequests() => new()
    {
        { "no device", new SyncCollectionRequest { DeviceId = "" } },
        { "negative cursor", new SyncCollectionRequest { DeviceId = Phone, Cursor = -1 } },
        { "cursor above 2^53", new SyncCollectionRequest { DeviceId = Phone, Cursor = SyncLimits.MaxSafeInteger + 1 } },
        { "limit zero", new SyncCollectionRequest { DeviceId = Phone, Limit = 0 } },
        { "limit too large", new SyncCollectionRequest { DeviceId = Phone, Limit = SyncLimits.MaxChangesLimit + 1 } },
        { "mutation id zero", One(Put(0, "a")) },
        { "bad item id", One(Put(1, "a/b")) },
        { "empty item id", One(Put(1, "")) },
        { "item id too long", One(Put(1, new string('x', 129))) },
        { "negative base version", One(Put(1, "a", baseVersion: -1)) },
        { "no op", One(new Mutation { Id = 1, ItemId = "a", Data = "{}" }) },
        { "restore without data", One(new Mutation { Id = 1, Op = MutationOp.Restore, ItemId = "a", Version = 3 }) },
        { "negative restore version", One(Restore(1, "a", -1)) },
        { "data over 256 KiB", One(Put(1, "a", "{\"x\":\"" + new string('é', 128 * 1024) + "\"}")) },
        {
            "too many mutations",
            new SyncCollectionRequest
            {
                DeviceId = Phone,
                Mutations = [.. Enumerable.Range(1, SyncLimits.MaxMutationsPerCollection + 1).Select(i => Put(i, "a"))],
            }
        },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void A_malformed_request_is_refused(string why, SyncCollectionRequest request)
    {
        var ledger = new CollectionLedger("contacts", new SyncPolicy());

        var error = Assert.Throws<ArgumentException>(() => ledger.Plan(request, LedgerHarness.T0));

        Assert.False(string.IsNullOrEmpty(error.Message), why);
    }

    [Fact]
    public void Item_ids_may_use_every_allowed_character()
    {
        var harness = new LedgerHarness();

        var result = harness.PushOne(Phone, Put(1, "Az09._~-"));

        Assert.Equal(MutationStatus.Applied, result.Status);
    }

    private static SyncCollectionRequest One(Mutation mutation) => new() { DeviceId = Phone, Mutations = [mutation] };
}
