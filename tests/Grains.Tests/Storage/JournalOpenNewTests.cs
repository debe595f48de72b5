using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary><see cref="AzureJournalStore.OpenNewAsync"/> (new accounts, the drill's scratch streams) on three real Azurite replicas.</summary>
public class JournalOpenNewTests(AzuriteReplicaSet replicas) : IClassFixture<AzuriteReplicaSet>
{
    /// <summary>True in <see cref="JournalOpenNewTestsInGroupCommitLayout"/>: the same tests on journal layout 2 with batched appends.</summary>
    protected virtual bool GroupCommit => false;

    [Fact]
    public async Task A_stream_opened_as_new_is_written_and_read_back_like_any_other()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings);
        var key = TestStores.NewKey();

        var stream = await store.OpenNewAsync(key);
        await TestStores.AppendManyAsync(stream, 3);

        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 3), reopened.Sequences());
        Assert.All(reopened.Entries, e => Assert.Equal(TestStores.Payload(e.Sequence), e.Payload.ToArray()));
    }

    [Fact]
    public async Task A_stream_opened_as_new_after_a_history_loss_is_as_current_as_the_store_and_can_be_written()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings);
        var key = TestStores.NewKey();
        store.ObserveHistoryLoss(3); // a loss declared earlier: nothing read before it may be written on, but nothing was read

        var stream = await store.OpenNewAsync(key);

        Assert.Equal(3, stream.HistoryLossGeneration);
        Assert.False(stream.IsBehindHistoryLoss);
        await TestStores.AppendManyAsync(stream, 2);
        Assert.Equal(TestStores.Range(1, 2), (await TestStores.Reopen(store).OpenAsync(key)).Sequences());
    }

    [Fact]
    public async Task A_stream_wrongly_opened_as_new_is_fenced_at_its_first_append_and_keeps_what_it_had()
    {
        var store = TestStores.Create(GroupCommit, replicas.ConnectionStrings);
        var key = TestStores.NewKey();
        await TestStores.AppendManyAsync(await store.OpenAsync(key), 2);

        var stream = await TestStores.Reopen(store).OpenNewAsync(key);

        await Assert.ThrowsAsync<JournalFencedException>(() => stream.AppendAsync(TestStores.Payload(99)));
        var reopened = await TestStores.Reopen(store).OpenAsync(key);
        Assert.Equal(TestStores.Range(1, 2), reopened.Sequences());
        Assert.Equal(TestStores.Payload(1), reopened.Entries[0].Payload.ToArray());
    }
}
