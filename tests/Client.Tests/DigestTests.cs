using DeviceSync.Client.Tests.Support;

namespace DeviceSync.Client.Tests;

/// <summary>The collection digest: the device's and the server's implementations agree over a real cluster.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class DigestTests(ClusterFixture fixture) : ClusterTest(fixture)
{
    [Fact]
    public async Task A_synced_device_and_the_server_compute_the_same_digest_and_an_unsynced_change_shows()
    {
        var account = await NewAccountAsync("digest");
        var phone = await NewDeviceAsync(account, "phone");
        phone.Put("notes", "n-1", """{"t":"a"}""");
        phone.Put("notes", "n-2.x_y", """{"t":"b"}""");
        phone.Put("tasks", "t-1", """{"done":false}""");
        await phone.SyncAsync();
        phone.Delete("notes", "n-1");
        await phone.SyncAsync();

        var server = await phone.Connection.GetDigestsAsync();

        Assert.Equal(["notes", "tasks"], server.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(server["notes"], phone.Digest("notes"));
        Assert.Equal(server["tasks"], phone.Digest("tasks"));

        var tablet = await NewDeviceAsync(account, "tablet");
        tablet.Put("notes", "n-3", """{"t":"c"}""");
        await tablet.SyncAsync();
        Assert.NotEqual((await phone.Connection.GetDigestsAsync())["notes"], phone.Digest("notes")); // phone is behind
        await phone.SyncAsync();
        Assert.Equal((await phone.Connection.GetDigestsAsync())["notes"], phone.Digest("notes"));
    }

    [Fact]
    public void The_digest_of_nothing_is_fixed_and_order_does_not_matter()
    {
        Assert.Equal(CollectionDigest.Compute([]), CollectionDigest.Compute([]));
        Assert.Equal(
            CollectionDigest.Compute([("a", 1), ("b", 2)]),
            CollectionDigest.Compute([("b", 2), ("a", 1)]));
        Assert.NotEqual(CollectionDigest.Compute([("a", 1)]), CollectionDigest.Compute([("a", 2)]));
    }
}
