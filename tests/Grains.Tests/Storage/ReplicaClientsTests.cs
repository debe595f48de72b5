using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// Replicas are reached with an account SAS signed once from the connection string's key (not a Shared Key signature
/// per request, whose HMAC objects cost the silo more CPU than anything else under write load), renewed before expiry.
/// </summary>
public sealed class ReplicaClientsTests(AzuriteReplicaSet replicas) : IClassFixture<AzuriteReplicaSet>
{
    [Fact]
    public async Task A_keyed_connection_string_is_used_through_a_SAS_that_is_renewed_before_it_expires()
    {
        // Starts an hour in the past so that, once advanced, the clock is the storage server's again: the renewed SAS
        // must be valid from the server's point of view.
        var clock = new SteppedClock(DateTimeOffset.UtcNow - ReplicaClients.RenewAfter);
        var clients = new ReplicaClients(replicas.ConnectionStrings[0], new TableClientOptions(), new BlobClientOptions(), clock);
        Assert.True(clients.UsesSas);
        var firstRenewal = clients.RenewAt;
        Assert.Equal(clock.GetUtcNow() + ReplicaClients.RenewAfter, firstRenewal);

        await RoundTripAsync(clients);

        clients.RenewIfDue();
        Assert.Equal(firstRenewal, clients.RenewAt); // nothing due yet

        clock.Now += ReplicaClients.RenewAfter;
        clients.RenewIfDue();
        Assert.Equal(clock.GetUtcNow() + ReplicaClients.RenewAfter, clients.RenewAt);
        await RoundTripAsync(clients); // the renewed signature is accepted by table and blob service alike
    }

    [Fact]
    public async Task Journal_replicas_built_from_a_keyed_connection_string_use_the_SAS()
    {
        var store = TestStores.Create(replicas.ConnectionStrings);
        Assert.All(store.Replicas, r => Assert.True(r.UsesSas));

        var stream = await store.OpenAsync(TestStores.NewKey());
        await TestStores.AppendManyAsync(stream, 2);
        Assert.Equal(2, stream.LastSequence);
    }

    private static async Task RoundTripAsync(ReplicaClients clients)
    {
        var name = TestStores.NewPrefix();
        var table = clients.Tables.GetTableClient(name);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 1 });
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("Value"));

        var container = clients.Blobs.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("b").UploadAsync(BinaryData.FromString("x"), overwrite: true);
        Assert.Equal("x", (await container.GetBlobClient("b").DownloadContentAsync()).Value.Content.ToString());
    }

    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
